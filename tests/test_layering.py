"""The package's import layering, read from the source (imports inside
functions included), and what importing the framework-free layer loads.

Two layers: the library (everything in ``inception`` outside
``inception.course``), which a user of the package imports, and the course
(``inception.course``: what the chapters compute and draw, one module per
chapter). The library never imports the course.

Inside the library, ranks, lowest first; a module may import its own rank or
lower ones only:

0. ``inception`` (root), ``inception.constants``
1. the architecture as data: ``spec``, ``counting``, ``weights``: no framework;
2. ``data``: only ``data`` and the constants;
3. ``torch``, ``keras``: each framework's blocks, runner and weights; they never
   import each other, nor ``port`` or ``crosscheck``;
4. ``port``, ``crosscheck``: both frameworks;
5. ``train``, ``cam``;
6. the course: ``inception.course`` and everything in it.

And no import circles, no module over 600 lines, and at most about ten
modules and packages at the library's top level.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "code"
PACKAGE = ROOT / "inception"
FRAMEWORKS = {"torch", "torchvision", "tensorflow", "keras", "timm", "PIL", "matplotlib", "triton", "tf_keras"}

COURSE = "inception.course"
RANKS = [  # (module prefix, rank), most specific first
    ("inception.spec", 1), ("inception.counting", 1), ("inception.weights", 1),
    ("inception.constants", 0), ("inception.data", 2), ("inception.torch", 3), ("inception.keras", 3),
    ("inception.port", 4), ("inception.crosscheck", 4), ("inception.train", 5), ("inception.cam", 5),
    (COURSE, 6),
]
FRAMEWORK_FREE = ("inception.spec", "inception.counting", "inception.weights", "inception.constants")
#: The one framework import the framework-free layer makes: torch reads its own
#: .pth pickle (and fetches it into its hub cache), only for such a file.
ALLOWED = {("inception.weights", "torch", "load_state_dict_file"), ("inception.weights", "torch", "download")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def rank(name: str) -> int:
    if name == "inception":
        return 0
    for prefix, r in RANKS:
        if name == prefix or name.startswith(prefix + "."):
            return r
    raise AssertionError(f"{name}: not in a layer; add it to RANKS (library) or put it in {COURSE}")


def imports(name: str):
    """(target, function or None) for every import in module ``name``: inception
    modules by their full name, others by their top-level package."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    out = []

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            f = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.Import):
                out.extend((a.name if a.name.startswith("inception") else a.name.split(".")[0], f)
                           for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{base}.{child.module}" if child.module else base
                else:
                    base = child.module
                if not base.startswith("inception"):
                    out.append((base.split(".")[0], f))
                    continue
                for a in child.names:  # a submodule, or a name from base
                    sub = f"{base}.{a.name}"
                    out.append((sub if sub in MODULES else base, f))
            visit(child, f)

    visit(tree, None)
    return out


GRAPH = {m: imports(m) for m in MODULES}


def test_the_walker_sees_imports_inside_functions():
    found = {t for t, f in GRAPH["inception.weights"] if f}
    assert "torch" in found  # the .pth reader's lazy import
    assert any(t.startswith("inception.") for t, _ in GRAPH["inception.port"])


def in_course(name: str) -> bool:
    return name == COURSE or name.startswith(COURSE + ".")


def test_every_module_has_a_layer():
    for m in MODULES:
        rank(m)


def test_the_library_never_imports_the_course():
    bad = [f"{m} imports {t}" + (f" in {f}()" if f else "")
           for m, edges in GRAPH.items() if not in_course(m)
           for t, f in edges if in_course(t)]
    assert not bad, "\n".join(bad)


def test_the_walker_sees_course_imports_inside_functions():
    # the receptive-field figure imports the book's show and a results figure lazily
    found = {t for t, f in GRAPH["inception.course.architecture.receptive"] if f}
    assert {"inception.course.book", "inception.course.results.figures"} <= found


#: At most about ten modules and packages at the library's top level (the
#: course package and ``__init__`` not counted).
LIBRARY_TOP_LEVEL_LIMIT = 11


def test_the_library_top_level_is_small():
    top = sorted(p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
                 if (p.suffix == ".py" and p.name != "__init__.py") or (p.is_dir() and (p / "__init__.py").exists()))
    library = [t for t in top if t != "course"]
    assert "course" in top
    assert len(library) <= LIBRARY_TOP_LEVEL_LIMIT, library


def test_imports_only_go_down():
    bad = [f"{m} ({rank(m)}) imports {t} ({rank(t)})" + (f" in {f}()" if f else "")
           for m, edges in GRAPH.items() for t, f in edges
           if t.startswith("inception") and rank(t) > rank(m)]
    assert not bad, "\n".join(bad)


def test_framework_free_layer_imports_no_framework():
    bad = [f"{m} imports {t}" + (f" in {f}()" if f else "")
           for m, edges in GRAPH.items() if m.startswith(FRAMEWORK_FREE)
           for t, f in edges
           if t in FRAMEWORKS and (m, t, f) not in ALLOWED
           or t.startswith("inception") and not t.startswith(FRAMEWORK_FREE) and t != "inception"]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("framework, other, real_other", [
    ("inception.torch", "inception.keras", {"keras", "tensorflow"}),
    ("inception.keras", "inception.torch", {"torch", "torchvision"}),
])
def test_frameworks_never_import_each_other_nor_what_sits_above(framework, other, real_other):
    above = (other, "inception.port", "inception.crosscheck")
    bad = [f"{m} imports {t}" for m, edges in GRAPH.items() if m.startswith(framework)
           for t, _ in edges if t.startswith(above) or t in real_other]
    assert not bad, "\n".join(bad)


def test_data_imports_only_data_and_the_constants():
    bad = [f"{m} imports {t}" for m, edges in GRAPH.items() if m.startswith("inception.data")
           for t, _ in edges
           if t.startswith("inception") and not t.startswith(("inception.data", "inception.constants"))]
    assert not bad, "\n".join(bad)


def test_no_import_circles():
    edges = {m: {t for t, _ in e if t in MODULES and t != m} for m, e in GRAPH.items()}
    state, stack, cycles = {}, [], []

    def dfs(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == "open":
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                dfs(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            dfs(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)




def test_no_module_is_over_600_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 600}
    assert not long, long


def test_importing_the_specs_loads_no_framework_nor_pillow():
    code = ("import sys, inception.spec, inception.counting, inception.weights\n"
            "from inception.spec import network_spec\n"
            "from inception.counting import totals\n"
            "totals(network_spec('inception_v3'))\n"
            "print(sorted(m for m in ('torch', 'tensorflow', 'keras', 'PIL', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

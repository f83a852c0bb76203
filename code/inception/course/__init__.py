"""The chapters' code: what the book's pages compute and draw, laid out by
chapter. The library (everything in :mod:`inception` outside this package)
never imports it.

One module (or package) per chapter, named after it:

- ``introduction``      chapter 1: results as printed, depth, GoogLeNet's neighbours
- ``motivation``        chapter 2: kernel sizes, widening, where GoogLeNet pools
- ``inception_module``  chapter 3: 1x1 reductions and heads (``costs``), the cost explorer (``explorer``)
- ``versions``          chapter 4: the later versions' ideas (``ideas``), their modules (``modules``),
                        published counts (``reference``)
- ``architecture``      chapter 5: Table 1 against the spec (``table1``), receptive fields (``receptive``)
- ``implementation``    chapter 6: the slides' Keras summary reconstructed, a few training steps in both frameworks
- ``results``           chapter 7: the run records, their tables, figures and quoted numbers
- ``conclusion``        chapter 8: the main claims recomputed
- ``performance``       the performance appendix: the benchmark records

Shared by several chapters: ``diagrams`` (block diagrams drawn from a spec)
and ``book`` (glue, tables, notebook execution, the bibliography and the
Sphinx extension).
"""

"""Why the Keras engine's step is slower than the PyTorch engine's on this CPU.

Times, interleaved in one process on a synthetic data set: the PyTorch
engine's step and the Keras engine's step on one fixed batch, the Keras step
with XLA (``jit_compile``), the ``tf.data`` pipeline alone, the Keras step fed
by its pipeline, and both engines' forward passes alone.

    python benchmarks/keras_probe.py [--image-size 128] [--steps 2] [--rounds 3]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import inception  # noqa: E402,F401  (Triton before TensorFlow)
import torch  # noqa: E402

from bench_models import Timed, engine_config, probe_parser, set_threads, time_rounds  # noqa: E402


def main(argv=None):
    p = probe_parser(__doc__, "keras_probe.json", rounds=3)
    p.add_argument("--no-jit", action="store_true")
    a = p.parse_args(argv)
    set_threads(a.threads)
    import numpy as np
    import tensorflow as tf

    from inception.data.synthetic import make_synthetic_ucmerced
    from inception.train.loop import make_engine

    size, batch = a.image_size, a.batch_size
    out = {"image_size": size, "batch_size": batch, "threads": a.threads,
           "load_average_before": list(os.getloadavg())}
    with tempfile.TemporaryDirectory() as tmp:
        data = make_synthetic_ucmerced(Path(tmp) / "data", per_class=30, size=256, ext=".jpg")
        mk = lambda fw, **kw: make_engine(engine_config(fw, data, Path(tmp), size, batch, **kw))
        teng = mk("torch")
        keng = mk("keras")
        rng = np.random.default_rng(0)
        xt = torch.randn(batch, 3, size, size)
        yt = torch.from_numpy(rng.integers(0, 21, batch))
        xk = tf.constant(xt.permute(0, 2, 3, 1).numpy())
        yk = tf.constant(yt.numpy())
        benches = [
            Timed("torch_step_fixed_batch", batch, lambda: teng.train_step(xt, yt)),
            Timed("keras_step_fixed_batch", batch, lambda: [float(v) for v in keng._train_step(xk, yk)]),
        ]
        if not a.no_jit:
            keng_jit = mk("keras", jit_compile=True)
            benches.append(Timed("keras_step_fixed_batch_xla", batch,
                                 lambda: [float(v) for v in keng_jit._train_step(xk, yk)]))

        def tfdata_batches():
            epoch = 0
            while True:
                for x, y in keng.train_dataset(epoch):
                    yield x, y
                epoch += 1
        it_k = tfdata_batches()
        benches.append(Timed("tf_data_alone", batch, lambda: next(it_k)[0].numpy()))
        it_k2 = tfdata_batches()

        def keras_with_data():
            x, y = next(it_k2)
            [float(v) for v in keng._train_step(x, y)]
        benches.append(Timed("keras_step_with_tf_data", batch, keras_with_data))
        med, samples = time_rounds(benches, a.steps, a.rounds, warmup=1)
        out["images_per_second"] = med
        out["samples"] = samples
        # the same numbers? (XLA vs graph): one step from the same weights on the same batch
        if not a.no_jit:
            keng_jit.model.set_weights(keng.model.get_weights())
            for v_dst, v_src in zip(keng_jit.optimizer.variables, keng.optimizer.variables):
                v_dst.assign(v_src)
            w0 = keng.model.get_weights()
            la = [float(v) for v in keng._train_step(xk, yk)]
            lb = [float(v) for v in keng_jit._train_step(xk, yk)]
            wa, wb = keng.model.get_weights(), keng_jit.model.get_weights()
            out["xla_same_step"] = {
                "loss_graph": la[0] / batch, "loss_xla": lb[0] / batch,
                "max_abs_weight_diff": max(float(np.max(np.abs(x - y))) for x, y in zip(wa, wb)),
                "max_abs_weight_change": max(float(np.max(np.abs(x - y))) for x, y in zip(wa, w0)),
            }
        # forward passes only (evaluation mode, main head)
        evb = [Timed("torch_eval_fixed_batch", batch, lambda: teng.eval_batch(xt)),
               Timed("keras_eval_fixed_batch", batch, lambda: keng._eval_step(xk, yk)[0].numpy())]
        emed, _ = time_rounds(evb, a.steps, a.rounds, warmup=1)
        out["eval_images_per_second"] = emed
        teng.close(); keng.close()
    out["load_average_after"] = list(os.getloadavg())
    print(json.dumps(out, indent=1))
    if a.out:
        a.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

"""Training GoogLeNet on UC Merced, in PyTorch or Keras, with one recipe.

From Python (notebooks)::

    from inception.train import TrainConfig, train
    record = train(TrainConfig(framework="torch", variant="bn", data_dir="../shared/data/ucmerced-jpeg95",
                               out_dir="runs/torch_bn_128", epochs=40, image_size=128, batch_size=32))
    record["test_accuracy"], record["epochs"][-1]

From the shell::

    python -m inception.train --framework keras --variant bn --data-dir DIR --out runs/keras_bn \\
        --epochs 40 --image-size 128 --batch-size 32 [--resume] [--pretrained]
    torchrun --nproc_per_node=2 -m inception.train --framework torch ...   # several GPUs (DDP)

Modules: :mod:`~inception.train.config` (the configuration and its command
line), :mod:`~inception.train.loop` (epochs, checkpoints, records),
:mod:`~inception.train.torch_engine` and :mod:`~inception.train.keras_engine`
(one per framework), :mod:`~inception.train.schedules` (learning-rate curves),
:mod:`~inception.train.metrics` (confusion matrix, per-class precision and
recall, top-k; NumPy), :mod:`~inception.train.records` (atomic JSON, versions),
:mod:`~inception.train.progress` (progress bars and lines).

The frameworks are imported only when a run of that framework starts.
"""

from .config import ConfigError, TrainConfig, build_parser
from .loop import predictions, train
from .records import read_record

__all__ = ["TrainConfig", "ConfigError", "train", "read_record", "load_model", "build_parser", "predictions"]


def load_model(run_dir):
    """The trained model of a run folder (its checkpoint), and its :class:`TrainConfig`.

    Returns a PyTorch ``nn.Module`` in eval mode for a ``torch`` run, a
    ``keras.Model`` for a ``keras`` run (outputs as the builders document).
    """
    from pathlib import Path

    d = Path(run_dir)
    if (d / "checkpoint.pt").is_file():
        from .torch_engine import load_checkpoint_model

        return load_checkpoint_model(d / "checkpoint.pt")
    if (d / "checkpoint.h5").is_file():
        from .keras_engine import load_checkpoint_model

        return load_checkpoint_model(d / "checkpoint.h5")
    raise ConfigError(f"no checkpoint (checkpoint.pt or checkpoint.h5) in {d}")

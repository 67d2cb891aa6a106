"""The zoo's named entries. Each is a config of one of the builders."""

from tfk_tokfrag.models.conv_net import conv_net
from tfk_tokfrag.models.registry import register_model

register_model(
    "conv_net_digits",
    conv_net,
    {
        "input_shape": (8, 8, 1),
        "num_classes": 10,
        "filters": (64, 128),
        "convs_per_block": 2,
        "dense_units": 128,
        "batch_norm": True,
        "dropout": 0.3,
        "augmentation": 0.1,
    },
    dataset="digits",
    task="image classification (10 handwritten digits, 8x8 grey)",
    training={"epochs": 60, "batch_size": 32, "learning_rate": 1e-3, "weight_decay": 1e-4},
    description=(
        "The classic two-block ConvNet widened (64/128 filters, two 3x3 convolutions "
        "per block) with batch normalization, dropout and light random "
        "translation/rotation, trained with AdamW and a cosine learning-rate decay."
    ),
)

register_model(
    "conv_net_classic",
    conv_net,
    {"input_shape": (28, 28, 1), "num_classes": 10},
    dataset="mnist",
    task="image classification (MNIST-style 28x28 grey digits)",
    training={"epochs": 10, "batch_size": 128},
    description="The classic two-block ConvNet of the Keras MNIST example, as-is.",
)

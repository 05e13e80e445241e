"""The MLPerf Tiny reference architectures, built with the Keras 2 API (tf_keras).

Layer for layer as mlcommons/tiny benchmark/training/* (see reference/mlperf_tiny.md §3). Where the
repository's current code and the shipped model disagree, the shipped model wins (kws: a global 25x5 average
pool, as kws_ref_model.tflite has, rather than HEAD's 24x5).
"""

from __future__ import annotations

from typing import Any


def build(keras: Any, task_profile: dict[str, Any]) -> Any:
    arch = task_profile["model"]["architecture"]
    builders = {
        "ds_cnn": ds_cnn,
        "mobilenet_v1": mobilenet_v1,
        "resnet8": resnet8,
        "fc_autoencoder": fc_autoencoder,
    }
    return builders[arch](keras, task_profile)


def ds_cnn(keras: Any, profile: dict[str, Any]) -> Any:
    layers, reg = keras.layers, keras.regularizers.l2(profile["model"]["weight_decay"])
    n_classes = len(profile["classes"])
    inputs = keras.Input(shape=tuple(profile["input_shape"]))
    x = layers.Conv2D(64, (10, 4), strides=(2, 2), padding="same", kernel_regularizer=reg)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(0.2)(x)
    for _ in range(4):
        x = layers.DepthwiseConv2D((3, 3), padding="same", depthwise_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2D(64, (1, 1), padding="same", kernel_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    x = layers.Dropout(0.4)(x)
    x = layers.AveragePooling2D(pool_size=tuple(int(d) for d in x.shape[1:3]))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="ds_cnn")


def mobilenet_v1(keras: Any, profile: dict[str, Any]) -> Any:
    layers = keras.layers
    alpha = profile["model"]["alpha"]
    reg = keras.regularizers.l2(profile["model"]["weight_decay"])
    n_classes = len(profile["classes"])

    def conv_bn(x: Any, filters: int, kernel: int, stride: int) -> Any:
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", kernel_initializer="he_normal",
                          kernel_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)

    def dw_bn(x: Any, stride: int) -> Any:
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", depthwise_initializer="he_normal",
                                   depthwise_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input(shape=tuple(profile["input_shape"]))
    x = conv_bn(inputs, int(32 * alpha), 3, 2)
    # (pointwise filters at alpha=1, depthwise stride) for the 13 depthwise-separable blocks
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for filters, stride in blocks:
        x = dw_bn(x, stride)
        x = conv_bn(x, int(filters * alpha), 1, 1)
    x = layers.AveragePooling2D(pool_size=tuple(int(d) for d in x.shape[1:3]))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v1_025")


def resnet8(keras: Any, profile: dict[str, Any]) -> Any:
    layers = keras.layers
    filters = profile["model"]["filters"]
    reg = keras.regularizers.l2(profile["model"]["weight_decay"])
    n_classes = len(profile["classes"])

    def conv(x: Any, f: int, k: int, s: int) -> Any:
        return layers.Conv2D(f, k, strides=s, padding="same", kernel_initializer="he_normal",
                             kernel_regularizer=reg)(x)

    inputs = keras.Input(shape=tuple(profile["input_shape"]))
    x = layers.Activation("relu")(layers.BatchNormalization()(conv(inputs, filters, 3, 1)))
    for stack, f in enumerate((filters, filters * 2, filters * 4)):
        stride = 1 if stack == 0 else 2
        y = layers.Activation("relu")(layers.BatchNormalization()(conv(x, f, 3, stride)))
        y = layers.BatchNormalization()(conv(y, f, 3, 1))
        shortcut = x if stack == 0 else conv(x, f, 1, stride)
        x = layers.Activation("relu")(layers.add([shortcut, y]))
    x = layers.AveragePooling2D(pool_size=tuple(int(d) for d in x.shape[1:3]))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(n_classes, activation="softmax", kernel_initializer="he_normal")(x)
    return keras.Model(inputs, outputs, name="resnet8")


def fc_autoencoder(keras: Any, profile: dict[str, Any]) -> Any:
    layers = keras.layers
    hidden, bottleneck = profile["model"]["hidden"], profile["model"]["bottleneck"]
    dim = int(profile["input_shape"][0])
    inputs = keras.Input(shape=(dim,))
    x = inputs
    for width in [hidden] * 4 + [bottleneck] + [hidden] * 4:
        x = layers.Dense(width)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    outputs = layers.Dense(dim)(x)
    return keras.Model(inputs, outputs, name="fc_autoencoder")

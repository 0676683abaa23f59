"""Models whose Keras 3 weights files are stored in this folder.

Each builder takes the Keras module (real Keras when the files are made, ndflow's in the
tests) and returns ``(model, input_spec)``; the same code builds the same architecture in
both libraries.
"""
import numpy as np


def dense_bn(K):
    L = K.layers
    return K.Sequential([K.Input((5,)), L.Dense(6, activation="relu", name="first"),
                         L.BatchNormalization(name="bn"), L.Dropout(0.2),
                         L.Dense(3, name="middle"), L.LayerNormalization(),
                         L.Dense(2, use_bias=False, name="last")],
                        name="dense_bn"), ((4, 5), "float32")


def conv(K):
    L = K.layers
    inp = K.Input((6, 6, 2))
    h = L.Conv2D(3, 3, padding="same", activation="relu")(inp)
    h = L.BatchNormalization()(h)
    h = L.SeparableConv2D(4, 3)(h)
    h = L.DepthwiseConv2D(2, depth_multiplier=2)(h)
    h = L.Conv2DTranspose(2, 2, strides=2)(h)
    h = L.MaxPooling2D()(h)
    h = L.Reshape((-1, 2))(h)
    h = L.Conv1D(3, 2)(h)
    h = L.SeparableConv1D(2, 2)(h)
    h = L.GlobalAveragePooling1D()(h)
    return K.Model(inp, L.Dense(2)(h), name="conv"), ((3, 6, 6, 2), "float32")


def rnn(K):
    L = K.layers
    inp = K.Input((5,), dtype="int32")
    h = L.Embedding(9, 3)(inp)
    h = L.LSTM(4, return_sequences=True)(h)
    h = L.GRU(3, return_sequences=True)(h)
    h = L.GRU(3, return_sequences=True, reset_after=False)(h)
    h = L.SimpleRNN(3, return_sequences=True)(h)
    h = L.Bidirectional(L.LSTM(2, return_sequences=True))(h)
    h = L.Bidirectional(L.GRU(2, return_sequences=True),
                        backward_layer=L.GRU(2, return_sequences=True, go_backwards=True,
                                             reset_after=False))(h)
    h = L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True)(h)
    h = L.TimeDistributed(L.Dense(2))(h)
    h = L.Bidirectional(L.SimpleRNN(2), merge_mode="sum")(h)
    return K.Model(inp, L.Dense(1)(h), name="rnn"), ((3, 5), "int32")


def attention(K):
    L = K.layers
    q = K.Input((4, 6))
    v = K.Input((5, 3))
    a = L.MultiHeadAttention(2, 3)(q, q)
    a = L.LayerNormalization()(L.Add()([q, a]))
    c = L.MultiHeadAttention(2, 2, value_dim=3, use_bias=False, output_shape=4)(a, v)
    c = L.LayerNormalization(center=False)(c)
    d = L.Attention(use_scale=True)([c, c])
    e = L.AdditiveAttention()([d, c])
    h = L.GlobalAveragePooling1D()(L.Concatenate()([d, e]))
    return K.Model([q, v], L.Dense(2)(h), name="attention"), \
        [((2, 4, 6), "float32"), ((2, 5, 3), "float32")]


def nested(K):
    L = K.layers
    inner = K.Sequential([L.Dense(4, activation="tanh"), L.Dense(4)], name="inner")
    i2 = K.Input((4,))
    late = L.Dense(3)          # made first, called second: Keras orders layers by the graph
    early = L.Dense(5)
    inner2 = K.Model(i2, late(early(i2)), name="inner2")
    deep = K.Sequential([K.Input((3,)), K.Sequential([L.Dense(3), L.BatchNormalization()]),
                         L.Dense(2)], name="deep")
    x = K.Input((6,))
    a = L.Dense(4)(x)
    b = L.Dense(4)(x)
    shared = L.Dense(4, name="shared")
    h = L.Add()([inner(a), shared(b), shared(a)])
    return K.Model(x, deep(inner2(h)), name="nested"), ((3, 6), "float32")


def preprocessing(K):
    L = K.layers
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(5).normal(size=(20, 4)).astype("float32"))
    return K.Sequential([K.Input((4,)), norm, L.Normalization(mean=0.5, variance=2.0),
                         L.Dense(3), L.PReLU(), L.GroupNormalization(groups=3),
                         L.Dense(2)], name="preprocessing"), ((4, 4), "float32")


def subclassed(K):
    """A subclassed model: layers in attributes, in a list (one of them also held by an
    attribute), in a dict, an alias of a layer, and weights of its own."""
    L = K.layers

    class Block(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = L.Dense(3)
            self.stack = [self.proj, L.Dense(3), L.LayerNormalization()]

        def build(self, input_shape):
            self.offset = self.add_weight(shape=(3,), initializer="ones", name="offset")

        def call(self, x):
            h = self.proj(x)
            for layer in self.stack[1:]:
                h = layer(h)
            return h + self.offset

    class Net(K.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.zeta = L.Dense(2)
            self.blocks = [Block(), Block()]
            self.heads = {"b": L.Dense(3), "a": L.Dense(3)}
            self.alias = self.zeta

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(1,), initializer="ones", name="scale")

        def call(self, x):
            h = self.blocks[1](self.blocks[0](x))
            h = self.heads["a"](self.heads["b"](h))
            return self.zeta(h) * self.scale

    model = Net(name="net")
    model(np.zeros((1, 4), "float32"))
    return model, ((3, 4), "float32")


CASES = {f.__name__: f for f in (dense_bn, conv, rnn, attention, nested, preprocessing,
                                 subclassed)}

# the optimizers of the trained archives: slots in the orders Keras 3 groups them
OPTIMIZERS = {
    "adam_amsgrad": lambda O: O.Adam(0.01, amsgrad=True),
    "rmsprop_centered": lambda O: O.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda O: O.Nadam(0.01),
    "adam_ema": lambda O: O.Adam(0.01, use_ema=True),
}


def trainable(K, opt):
    model = K.Sequential([K.Input((4,)), K.layers.Dense(5, activation="relu"),
                          K.layers.BatchNormalization(), K.layers.Dense(3)],
                         name="trained_" + opt)
    model.compile(optimizer=OPTIMIZERS[opt](K.optimizers), loss="mse")
    return model


def inputs(spec, seed=1):
    rng = np.random.default_rng(seed)
    specs = spec if isinstance(spec, list) else [spec]
    out = []
    for shape, dtype in specs:
        if dtype == "int32":
            out.append(rng.integers(0, 9, shape).astype("int32"))
        else:
            out.append(rng.normal(size=shape).astype(dtype))
    return out if isinstance(spec, list) else out[0]


def training_data():
    rng = np.random.default_rng(4)
    return rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")

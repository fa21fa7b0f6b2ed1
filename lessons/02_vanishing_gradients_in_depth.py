# %% [markdown]
# # 02 · Vanishing gradients in depth
#
# > Through a deep network the chain rule multiplies one factor per layer: measured layer by
# > layer, the factors depend on the weights as much as on the activation's slope.
#
# The article this course checks explains the vanishing gradient with a 50-word sentence:
# "如果句子很长,比如包含50个单词,那么当模型试图更新第一个单词相关的权重时,梯度需要经过50个时间步的反向传播。在每个时间步中,梯度都会被激活函数的导数相乘。"
# (If a sentence is long, say 50 words, then when the model updates the weights tied to the
# first word, the gradient has to be back-propagated through 50 time steps, and at every
# step it is multiplied by the derivative of the activation function.) Before recurrent
# networks (lesson 03), this lesson studies the same multiplication where it is simplest to
# see: a deep network of 50 layers, in which each layer plays the part of one time step. We
# build the network in numpy, write its backward pass, measure the gradient that reaches
# every layer, and find the article half right: the activation's slope matters, and so do
# the weights.
#
# ## What you will learn
#
# - why the **chain rule** (链式法则) turns the gradient through 50 layers into a product of one factor per layer, and what $0.25^{50}$ does and does not tell you;
# - how **backpropagation** (反向传播) passes a gradient through one dense layer: you write it in numpy, and the course's version is checked against PyTorch;
# - how to measure the gradient that reaches each layer of a 50-layer network with sigmoid, tanh or ReLU, and read it on a log scale;
# - why the factor per layer is about *typical slope of the activation × gain of the weights*, so that the **initialisation** (初始化) of the weights decides, as much as the activation, whether the gradient vanishes.
#
# ## Prerequisites
#
# - Lesson 00: a product of many equal factors shrinks or grows exponentially; log-scale
#   plots; how exercise checkers answer.
# - Lesson 01: sigmoid, tanh and ReLU and their derivatives: σ′ ≤ 1/4 and tanh′ ≤ 1, both
#   largest at 0; ReLU′ is 0 or 1.
# - Matrix products in numpy: `A @ B` for shapes (m, n) and (n, p) gives shape (m, p);
#   `A.T` is the transpose. We explain the rest as we go.

# %% [markdown]
# ## 1. The chain rule is a product
#
# Take a chain of functions, each applied to the result of the previous one:
# $h_1 = f_1(h_0)$, $h_2 = f_2(h_1)$, ..., $h_L = f_L(h_{L-1})$. By the **chain rule**
# (链式法则), the derivative of the end with respect to the start is the product of the
# local derivatives, one per step:
#
# $$\frac{dh_L}{dh_0} = f_L'(h_{L-1}) \cdot f_{L-1}'(h_{L-2}) \cdots f_1'(h_0).$$
#
# A network computes its derivatives this way, starting at the output and multiplying in
# one local factor per layer on the way back to the input: that is **backpropagation**
# (反向传播).
#
# The smallest "deep network" has one unit per layer: it multiplies by a weight $w$ and
# applies the sigmoid, $h_l = \sigma(a_l)$ with pre-activation $a_l = w\,h_{l-1}$. Its
# local derivative is $dh_l/dh_{l-1} = w\,\sigma'(a_l)$, so
#
# $$\frac{dh_L}{dh_0} = \prod_{l=1}^{L} w\,\sigma'(a_l).$$
#
# With $w = 1$ every factor is at most $1/4$ (lesson 01), so 50 layers give at most
# $0.25^{50}$. This is the article's 50-word example made exact:

# %%
print(f"0.25^50 = {0.25**50:.2g}")

# %% [markdown]
# At most 7.9e-31 (printed above): the sentence's first word would receive a gradient
# some $10^{30}$ times weaker than its last. That is a **vanishing gradient**
# (梯度消失).
#
# But the article leaves out the weight. Each factor is $w\,\sigma'(a_l)$, not
# $\sigma'(a_l)$, so the bound is $(w/4)^{50}$:

# %%
for w in (1, 2, 4):
    print(f"w = {w}: each factor <= {w * 0.25:.2f}, so 50 factors <= {(w * 0.25) ** 50:.2g}")

# %% [markdown]
# With $w = 4$ the bound is 1 (printed above): the slope alone no longer forces the gradient
# to vanish. Whether it does now depends on where the pre-activations $a_l$ fall, and a
# larger $w$ also pushes them out into the sigmoid's flat tails (lesson 01). So the question
# is quantitative, and we will measure it. In a real network each layer has many units,
# the weight becomes a matrix, and "how large is $w$" becomes "how much does the weight
# matrix stretch a vector", which is set by how the weights are initialised.
#
# ## 2. A deep network in numpy
#
# Layer $l$ takes the previous layer's output $h_{l-1}$ and computes
#
# $$a_l = h_{l-1} W_l + b_l, \qquad h_l = \phi(a_l),$$
#
# where $\phi$ is the activation function (lesson 01's $f$; from here on the course writes
# $\phi$), applied to every entry, $W_l$ is the layer's
# weight matrix and $b_l$ its bias vector. The network works on a **batch** of $B$
# examples at once, one per row: $h_{l-1}$ has shape $(B, n_{in})$, $W_l$ has shape
# $(n_{in}, n_{out})$, $b_l$ has shape $(n_{out},)$ and is added to every row, and $a_l$ and
# $h_l$ have shape $(B, n_{out})$. The input is $h_0 = x$. In this lesson every layer has
# $n = 64$ units and the batch has $B = 32$ examples. The course's forward pass keeps each
# layer's input and pre-activation, which the backward pass will need:

# %%
from course_utils.display import show_source
from course_utils.mlp import forward

show_source(forward)

# %% [markdown]
# Training changes the weights to reduce a **loss** $L$, one number that measures how
# wrong the outputs are. It needs the derivative of $L$ with respect to every weight. For
# an array $A$, write $\partial L/\partial A$ for the array of the same shape whose entries
# are the partial derivatives $\partial L/\partial A_{ij}$. The one that travels backwards
# is $\delta_l = \partial L/\partial h_l$, shape $(B, n)$: the gradient reaching the output
# of layer $l$, also called the back-propagated gradient.
#
# **Backward through one layer.** Suppose we know $\partial L/\partial h_l$ (call it
# `dout`) and want the gradients of the layer's weights, its bias and its input
# $x = h_{l-1}$. Write the layer entry by entry: $h_{kj} = \phi(a_{kj})$ and
# $a_{kj} = \sum_i x_{ki} W_{ij} + b_j$, where $k$ numbers the examples of the batch, $i$
# the inputs and $j$ the outputs. The chain rule, applied to each entry, gives
#
# $$\frac{\partial L}{\partial a_{kj}} = \frac{\partial L}{\partial h_{kj}}\,\phi'(a_{kj}),
# \qquad
# \frac{\partial L}{\partial W_{ij}} = \sum_k x_{ki}\,\frac{\partial L}{\partial a_{kj}},$$
#
# $$\frac{\partial L}{\partial b_j} = \sum_k \frac{\partial L}{\partial a_{kj}},
# \qquad
# \frac{\partial L}{\partial x_{ki}} = \sum_j \frac{\partial L}{\partial a_{kj}}\,W_{ij}.$$
#
# The sums appear because one weight $W_{ij}$ (or bias $b_j$) acts on every example of the
# batch, and one input $x_{ki}$ feeds every output $j$ of its row. The last formula is the
# step down to the layer below. In matrix form it reads
# $\delta_{l-1} = (\delta_l \odot \phi'(a_l))\, W_l^{\top}$, where $\odot$ multiplies entry
# by entry: going down one layer multiplies the gradient by the slopes $\phi'(a_l)$ and then
# by $W_l^{\top}$. This pair is the matrix version of $w\,\sigma'(a_l)$.
#
# ### Exercise 1: backward through one layer
#
# Write `layer_backward(dout, x, W, a, activation)`, which returns the tuple
# `(dx, dW, db)`: the gradients with respect to the layer's input, weights and bias,
# shaped like `x`, `W` and the bias `(n_out,)`. Turn each formula above into numpy: `*`
# multiplies entry by entry, `@` is the matrix product, `.T` transposes, and
# `.sum(axis=0)` sums over the batch. `get_activation(activation).df(a)` gives
# $\phi'(a)$ for every entry of `a` (lesson 01). Compute $\partial L/\partial a$ first,
# then each gradient is one line.

# %%
from course_utils.activations import get_activation


def layer_backward(dout, x, W, a, activation):
    """Backward through y = phi(x @ W + b): returns (dx, dW, db), shaped like x, W and b.

    dout = dL/dy: (batch, n_out); x: (batch, n_in); W: (n_in, n_out); a = x @ W + b.
    """
    # BEGIN SOLUTION
    da = dout * get_activation(activation).df(a)  # dL/da, (batch, n_out)
    return da @ W.T, x.T @ da, da.sum(axis=0)
    # END SOLUTION


# %%
from course_utils.exercises import lesson02 as ex

ex.check_layer_backward(layer_backward)

# %% [markdown]
# The checker tries a square weight matrix, where a forgotten transpose still gives the
# right shape but wrong values, and non-square ones, where shapes catch it. Here is the
# course's version, which the rest of the lesson uses, and the loop that applies it from
# the last layer down to the first:

# %%
from course_utils.mlp import backward, dense_backward

show_source(dense_backward)

# %%
show_source(backward)

# %% [markdown]
# **Checking against PyTorch.** PyTorch's automatic differentiation (lesson 01) records
# the forward computation and applies the chain rule backwards through it by itself. So we
# build the same 50-layer sigmoid network in PyTorch, in float64, let it compute the
# gradients, and compare them with our hand-written backward pass. The loss is a stand-in,
# $L = \sum h_{50} \odot r$ over all entries, with a fixed random array $r$: then
# $\partial L/\partial h_{50} = r$, a random gradient arriving at the top, which is all a
# real loss would do at this point. We compare with the relative error
# $\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)$, where $\lVert\cdot\rVert$ is
# the Euclidean norm over all entries; in float64, values below 1e-7 mean the two agree.
# First the network in numpy, with our backward pass:

# %%
import numpy as np

from course_utils.mlp import init_weights

rng = np.random.default_rng(0)
x = rng.standard_normal((32, 64))  # a batch of 32 inputs, 64 numbers each
r = rng.standard_normal((32, 64))  # the stand-in loss L = sum(h_50 * r), so dL/dh_50 = r
params = init_weights([64] * 51, "glorot", seed=rng)  # 50 layers of 64 units

_, cache = forward(x, params, "sigmoid")
grads, dx = backward(r, params, cache, "sigmoid")  # ours: [(dW_1, db_1), ...], dL/dx

# %% [markdown]
# The same network in PyTorch, from the same arrays; `backward()` fills in the `.grad` of
# every tensor created with `requires_grad=True`:

# %%
import torch

from course_utils.env import use_one_thread

use_one_thread()  # small computations: one thread is faster on a 2-core machine
x_t = torch.tensor(x, requires_grad=True)
params_t = [
    (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in params
]
h = x_t
for W, b in params_t:
    h = torch.sigmoid(h @ W + b)
(h * torch.tensor(r)).sum().backward()  # L = sum(h_50 * r), then autograd's backward pass

# %%
from course_utils.gradcheck import relative_error

errors = [relative_error(dx, x_t.grad.numpy())]
for (dW, db), (W, b) in zip(grads, params_t, strict=True):
    errors += [relative_error(dW, W.grad.numpy()), relative_error(db, b.grad.numpy())]
print(f"largest relative error over all {len(errors)} gradients: {max(errors):.1e}")
print(
    f"||dL/dW_1|| = {np.linalg.norm(grads[0][0]):.2g} (ours), "
    f"{np.linalg.norm(params_t[0][0].grad.numpy()):.2g} (PyTorch); "
    f"||dL/dW_50|| = {np.linalg.norm(grads[-1][0]):.2g}"
)

# %% [markdown]
# The two agree to the last few digits of float64 (the largest relative error is printed
# above). Note the sizes: the weight gradient of layer 1 is some 30 orders of magnitude
# smaller than that of layer 50 (printed above), in our code and in PyTorch's alike. That
# is not a bug in either: it is the product of factors, and the rest of the lesson takes it
# apart.
#
# ## 3. Three ways to draw the initial weights
#
# Before training, the weights are drawn at random: this is the **initialisation**
# (初始化). Their size decides the second half of each factor. Measure it by the **gain**
# of $W$: how much multiplying by $W$ stretches a vector that points in a random direction.
# For an $n \times n$ matrix with independent entries of mean 0 and variance
# $\mathrm{Var}(W)$, and any vector $v$, the expected squared length is
# $E\,\lVert W v\rVert^2 = n\,\mathrm{Var}(W)\,\lVert v \rVert^2$, so the gain is about
# $\sqrt{n\,\mathrm{Var}(W)}$; for a given matrix, $\lVert W \rVert_F / \sqrt n$, where the
# Frobenius norm $\lVert W \rVert_F$ is the square root of the sum of its squared entries.
# The three schemes of `course_utils.mlp.init_weights`, with $n_{in}$ inputs and $n_{out}$
# outputs per layer:
#
# - **standard**: uniform on $[-1/\sqrt{n_{in}},\, 1/\sqrt{n_{in}}]$, so
#   $\mathrm{Var}(W) = 1/(3 n_{in})$: the common heuristic before 2010, which Glorot &
#   Bengio (2010) call "standard". Gain $\sqrt{1/3}$.
# - **Glorot** (or "Xavier"; Glorot & Bengio 2010): uniform with
#   $\mathrm{Var}(W) = 2/(n_{in} + n_{out})$. For an activation that behaves like the
#   identity near 0 (as tanh does), keeping signals the same size on the way forward needs
#   $n_{in}\mathrm{Var}(W) = 1$, and on the way back $n_{out}\mathrm{Var}(W) = 1$; this is
#   the compromise. Gain 1 when $n_{in} = n_{out}$.
# - **He** (He, Zhang, Ren & Sun 2015): normal with $\mathrm{Var}(W) = 2/n_{in}$,
#   derived for ReLU, which sets about half of its inputs to 0. Gain $\sqrt 2$.
#
# The gains, on paper, $\sqrt{n\,\mathrm{Var}(W)}$, and measured on one $64 \times 64$
# matrix, $\lVert W \rVert_F / \sqrt n$:

# %%
from course_utils.mlp import SCHEMES

n = 64
variance = {"standard": 1 / (3 * n), "glorot": 2 / (n + n), "he": 2 / n}  # Var(W)
for scheme in SCHEMES:
    W = init_weights([n, n], scheme, seed=0)[0][0]
    on_paper, measured = np.sqrt(n * variance[scheme]), np.linalg.norm(W) / np.sqrt(n)
    print(f"{scheme:<8}  gain on paper {on_paper:.3f}, measured {measured:.3f}")

# %% [markdown]
# Each scheme can also be multiplied by a **scale** $c$ (a control of the slider below),
# which multiplies its gain by $c$.
#
# ## 4. Predict, then measure
#
# ### Exercise 2: how small is the gradient at layer 1?
#
# Take the 50-layer sigmoid network with Glorot initialisation (width 64, as above). Guess
# the ratio $\lVert \partial L/\partial h_1 \rVert \,/\, \lVert \partial L/\partial h_{50}
# \rVert$ between the gradient reaching the first layer and the one arriving at the top,
# *before* you measure it. Think: how many layers does the gradient pass between $h_{50}$
# and $h_1$? What is the largest factor each layer's slopes can contribute? What is the
# gain of Glorot's weights? Write your guess as a number, such as `1e-12`. The checker
# accepts guesses within a factor of 30 of the measured value: on a scale of 30 orders of
# magnitude, that is a good prediction.

# %%
# BEGIN SOLUTION (stub: guess = ...)
guess = 0.25**49  # 49 layers between h_50 and h_1; each: slope <= 0.25, weight gain 1
# END SOLUTION

# %%
ex.check_ratio_guess(guess)

# %% [markdown]
# ## 5. The gradient, layer by layer
#
# Here is the course's recurring figure: the size of the gradient against its distance from
# where it started, on a log scale. The distance is counted in layers from the output, so
# layer 50 is at distance 0 and layer 1 at distance 49. Each curve is
# $\lVert \partial L/\partial h_l \rVert$ divided by its value at the output, for four
# networks of 50 layers at initialisation; the dotted line is $0.25^k$, the sigmoid's slope
# bound alone. `layer_gradient_norms` draws a network as section 2 did (the same seed, so the
# same $x$, $r$ and, for sigmoid with Glorot's weights, the same network), runs it forward and
# back with `backward`'s loop, and keeps three things per layer: the norm of
# $\partial L/\partial h_l$ (`signal_norm`), that of $\partial L/\partial W_l$ (`grad_norm`) and
# the spread of the activations $h_l$ (`std`).

# %%
from course_utils.lessons import lesson02 as lesson
from course_utils.mlp import layer_gradient_norms

curves = {}
for activation, scheme in (
    ("sigmoid", "glorot"),
    ("tanh", "glorot"),
    ("relu", "glorot"),
    ("relu", "he"),
):
    stats = layer_gradient_norms(50, activation, scheme)
    curves[activation, scheme] = stats.signal_norm / stats.signal_norm[-1]  # layer 1 first
lesson.comparison_figure(curves)

# %% [markdown]
# On a log axis a product of equal factors is a straight line, and each curve here is
# close to one: every layer multiplies the gradient by about the same factor. The sigmoid
# network's line falls about 30 orders of magnitude, a little faster than $0.25^k$. The ReLU
# network with Glorot's weights loses about eight orders of magnitude, although ReLU's
# slope is 1 wherever it is not 0. With He's weights the same ReLU network keeps its
# gradient, and tanh with Glorot's weights loses only a little.
#
# Why? Going down one layer multiplies the gradient by the slopes $\phi'(a_l)$, entry by
# entry, and then by $W_l^{\top}$. For a gradient pointing in a random direction, the first
# step multiplies its length by about the **typical slope**, the root mean square (the
# square root of the mean of the squares) of $\phi'(a_l)$ over the batch and the units,
# and the second by about the weights' gain. So the factor per layer should be about
# *typical slope × gain*. The table measures all three for every activation and
# initialisation: the ratio between layers 1 and 50, the factor per layer (the ratio's 49th
# root, the geometric mean of the 49 factors), and the two parts, each averaged over the 49
# layers the same way. `factor_breakdown` computes them:

# %%
show_source(lesson.factor_breakdown)

# %%
print("activation  init      layer 1 / 50  per layer   typical slope x gain = product")
for activation in ("sigmoid", "tanh", "relu"):
    for scheme in SCHEMES:
        b = lesson.factor_breakdown(50, activation, scheme)
        print(
            f"{activation:<10}  {scheme:<8}  {b.ratio:10.2g}   {b.per_layer:9.3f}   "
            f"{b.slope:13.3f} x {b.gain:4.2f} = {b.estimate:.3f}"
        )

# %% [markdown]
# The last column matches the measured factor per layer to within a few percent (printed
# above). Read the table by activation:
#
# - **sigmoid**: the typical slope is just under its maximum 1/4, because the
#   pre-activations stay near 0. None of the three gains comes near the 4 that would
#   compensate, so the gradient vanishes under every initialisation, by 24 to 42 orders of
#   magnitude over 49 layers.
# - **tanh**: near 0 its slope is close to 1, so the gain decides. The standard
#   initialisation's gain of about 0.58 alone makes the gradient vanish, by about 12 orders
#   of magnitude. With Glorot's gain of 1, the factor per layer is a few percent below 1;
#   with He's larger weights the pre-activations spread out, the typical slope drops, and
#   the product ends slightly above 1: the gradient grows a little.
# - **ReLU**: on about half the units the slope is 1, on the others 0, so the typical slope
#   is close to $\sqrt{1/2} \approx 0.71$ whatever the scale. Gain × slope is then about
#   0.41 (standard) or 0.70 (Glorot), and the gradient vanishes; He's $\sqrt 2$ makes the
#   product 1. That is exactly the reason for the 2 in He's $\mathrm{Var}(W) = 2/n_{in}$.
#
# > **Claim** (the article, and a common reading of it): the activation's derivative decides
# > whether gradients vanish: "如果激活函数的导数小于1,那么梯度就会逐渐缩小" ("if the
# > derivative of the activation function is less than 1, the gradient shrinks step by
# > step"), so an activation with slope 1, such as ReLU, is safe.
# >
# > **Verdict: half true.** Small slopes do shrink the gradient: the sigmoid networks above
# > vanish under every initialisation. But each layer multiplies the gradient by its slopes
# > *and* by its weights, the matrix $\mathrm{diag}(\phi'(a_l))\,W_l^{\top}$, so a slope of 1
# > guarantees nothing. ReLU's slope is exactly 1 on its active side, yet with the standard
# > initialisation the gradient at layer 1 is about 4e-20 of the top's, and with Glorot's
# > about 2e-8 (the table above); with He's initialisation it stays about the same size.
# > The same ReLU, only the scale of the initial weights changed. This is what Glorot &
# > Bengio (2010) and He et al. (2015) designed their initialisations for: to keep the
# > signal the same size from layer to layer, forward and backward. Lesson 03 gives the
# > precise condition for recurrent networks, in terms of the largest singular value of the
# > weight matrix (Pascanu, Mikolov & Bengio 2013).

# %% [markdown]
# ## 6. Explore: depth, activation, initialisation and scale
#
# The slider shows the same measurement for any setting. **Left panel** (backward): the
# back-propagated gradient $\lVert \partial L/\partial h_l \rVert$, divided by its value at
# the output, against the distance from the output, with the slope bound alone as a dotted
# line ($0.25^k$ for sigmoid, $1^k$ for tanh and ReLU, whose slopes are at most 1). **Right
# panel** (forward): the standard deviation (spread) of the activations $h_l$ over the
# batch and the units, layer by layer from the input. Both vertical axes are fixed and
# logarithmic, so you can compare settings by eye. The readout gives the ratio between
# layer 1 and the last layer, whether that is vanishing (below 0.1) or exploding (above
# 10), and the factor per layer; "glorot x1.00" means Glorot's weights times a scale of
# 1.
#
# Things to try:
#
# - sigmoid with Glorot: raise the weight scale to 2. The gain doubles, yet the gradient
#   still vanishes.
# - tanh with Glorot: raise the scale to 1.5. The factor per layer passes 1 and the
#   gradient now **explodes** (梯度爆炸) on its way down.
# - ReLU: switch the initialisation from standard to Glorot to He, then change the depth.
#   The lines keep their slope and only get longer: the factor per layer in the readout
#   hardly changes with depth, and the ratio is that factor to the power depth − 1.
# - ReLU with standard initialisation: watch the right panel. The activations shrink
#   forward at the same rate as the gradient shrinks backward.

# %% tags=["nbval-ignore-output"]
lesson.depth_slider()

# %% [markdown]
# Where no kernel runs, here is the same figure for the 50-layer ReLU network under the
# three initialisations, one row each:

# %%
lesson.init_sweep()

# %% [markdown]
# With ReLU the forward spread (right) and the backward gradient (left) shrink together
# under the standard and Glorot initialisations, and both hold steady under He's. A sigmoid
# network is different (move the slider back to sigmoid): its activations keep their
# spread, so the forward pass looks healthy while the gradient vanishes.
#
# ## 7. Look closer: the weight gradient can hide the vanishing
#
# Training does not use $\partial L/\partial h_l$ directly but the weight gradient
# $\partial L/\partial W_l = h_{l-1}^{\top}\,(\delta_l \odot \phi'(a_l))$ from exercise 1.
# It multiplies the *forward* activations $h_{l-1}$ by the *backward* gradient $\delta_l$.
# When both shrink, one going up and the other going down, the two effects can cancel at
# the ends of the network:

# %%
stats = layer_gradient_norms(50, "tanh", "standard")
print(
    f"tanh, standard init: ||dL/dh_1|| / ||dL/dh_50|| = "
    f"{stats.signal_norm[0] / stats.signal_norm[-1]:.2g}, "
    f"but ||dL/dW_1|| / ||dL/dW_50|| = {stats.grad_norm[0] / stats.grad_norm[-1]:.2g}"
)
print(f"  spread of the activations: layer 1 {stats.std[0]:.2g}, layer 50 {stats.std[-1]:.2g}")
for scale in (0.5, 1.0, 1.5):
    stats = layer_gradient_norms(50, "relu", "he", scale)
    print(
        f"relu, He init x {scale}: ||dL/dh_1|| / ||dL/dh_50|| = "
        f"{stats.signal_norm[0] / stats.signal_norm[-1]:8.2g}, "
        f"||dL/dW_1|| / ||dL/dW_50|| = {stats.grad_norm[0] / stats.grad_norm[-1]:.3g}"
    )

# %% [markdown]
# In the tanh network with standard weights the back-propagated gradient vanishes by about
# 12 orders of magnitude, while the weight gradients of layers 1 and 50 are about the same
# size (printed above). The forward activations have shrunk by the same 12 orders on the
# way up, and the two shrinkages cancel in $h_{l-1}^{\top}\delta_l$. Glorot & Bengio (2010)
# derived the same effect for networks in their linear regime: with equal layer sizes, the
# variance of the weight gradients is the same in every layer, while that of the
# back-propagated gradient grows or shrinks geometrically with the distance from the
# output. The network is not healthy, though: the activations at layer 50 are so small
# that the output hardly depends on the input at all.
#
# ReLU shows it even more plainly. It is *positively homogeneous*: $\mathrm{relu}(c\,a) =
# c\,\mathrm{relu}(a)$ for $c > 0$. The biases start at 0, so scaling every weight by $c$
# multiplies $h_{l-1}$ by $c^{l-1}$ and $\delta_l$ by $c^{50-l}$, so every weight gradient
# by the same $c^{49}$: the ratio of weight gradients cannot see the scale at all, while the
# back-propagated gradient goes from vanishing to exploding (printed above). That is why
# this lesson, like Glorot & Bengio's analysis, follows the back-propagated gradient: it is
# what the chain rule multiplies, and it is the quantity lesson 03 follows through time.
#
# ## 8. Vanishing is about ratios, not zeros
#
# > **Claim** (the article): the gradient "最终接近于零" ("finally approaches zero"), and
# > "信息彻底消失" ("the information disappears completely").
# >
# > **Verdict: overstated.** The gradient at layer 1 is tiny, but not zero. In the sigmoid
# > network above, layer 1's weight gradient is about 3e-31 of layer 50's (printed below),
# > a perfectly ordinary float64 number (the smallest normal one is about 2e-308), and
# > PyTorch computes the same value. The trouble is the *ratio*. Plain gradient descent
# > moves every weight by the learning rate times its gradient, with one learning rate for
# > all layers: a rate large enough to move layer 1 would throw layer 50 far off, and a
# > rate that suits layer 50 leaves layer 1 where it started. A larger learning rate does
# > not change the ratio.

# %%
stats = layer_gradient_norms(50, "sigmoid", "glorot")
print(
    f"sigmoid, Glorot, 50 layers: ||dL/dW_1|| / ||dL/dW_50|| = "
    f"{stats.grad_norm[0] / stats.grad_norm[-1]:.2g}"
)
print(f"smallest positive normal float64: {np.finfo(np.float64).tiny:.2g}")

# %% [markdown]
# **And with Adam?** The argument above assumes one learning rate for every weight. The
# optimiser this course trains with from lesson 06 on, Adam (Kingma & Ba 2015), divides each
# weight's step by the typical size of that weight's own recent gradients (the square root of
# a running average of their squares). A layer whose gradients are all a million times
# smaller then takes steps of about the same size as the others, as long as its gradients
# stay well above the small constant $\varepsilon$ that Adam adds to that size ($10^{-8}$ by
# default). In a feed-forward network this largely undoes a ratio *between layers*. What no
# per-weight rescaling can undo is the recurrent case, the one Hochreiter & Schmidhuber
# (1997) had in mind: in an RNN one weight's gradient is a *sum* of contributions from every
# time lag, so the long-lag and the short-lag parts sit inside the same number, and whatever
# step size a weight gets applies to both. Increasing the learning rate "will not change the
# ratio of long-range error flow and short-range error flow", and neither does Adam. Lesson
# 03 measures that sum.

# %% [markdown]
# ## 9. From 50 layers to 50 words
#
# A recurrent network reading a 50-word sentence applies one layer 50 times, once per word.
# Backpropagation through time (lesson 03) multiplies the gradient at every step by the
# slopes of the activation and by the recurrent weight matrix: the same kind of factor as in
# this lesson, *typical slope × gain*. Two things change. The weight matrix is the *same* at
# every step, so whatever it does to a vector, it does 50 times. And because every step
# shares the weights, their gradient is a *sum* of contributions from all time lags, so the
# vanishing contributions from the first words are drowned by those from the last. Lesson 03
# measures this on "The cat, which already ate a bowl of milk, was full".
#
# ## Summary
#
# - The chain rule makes the gradient through $L$ layers a product of $L$ factors, one per
#   layer; with at most 1/4 per factor, 50 sigmoid layers give at most $0.25^{50}$ =
#   7.9e-31.
# - Backward through a dense layer: $\partial L/\partial a = \delta \odot \phi'(a)$, then
#   $\partial L/\partial W = x^{\top} \partial L/\partial a$,
#   $\partial L/\partial b = \sum_{\text{batch}} \partial L/\partial a$ and
#   $\partial L/\partial x = (\partial L/\partial a)\, W^{\top}$. Our numpy version matches
#   PyTorch's autograd to rounding error.
# - Each layer multiplies the back-propagated gradient by about *typical slope × gain of
#   the weights*: sigmoid about 0.24 with Glorot's weights, ReLU about 0.70 with Glorot's
#   and 1.00 with He's (measured above).
# - The initialisation sets the gain: standard $\sqrt{1/3}$, Glorot 1, He $\sqrt 2$. The
#   derivative alone does not decide: the same ReLU network vanishes or not depending on
#   the scale of its initial weights.
# - Vanishing is about ratios: the lower layers' gradients are exponentially smaller than
#   the upper layers', not zero, so no single learning rate suits both. Adam's per-weight
#   steps largely undo a ratio between layers, but not the one between time lags inside a
#   recurrent weight's gradient.
# - The weight gradients can hide the vanishing: activations and back-propagated gradients
#   can shrink together and cancel (tanh with standard initialisation: weight-gradient ratio
#   0.98, back-propagated gradient ratio 2.3e-12, printed in section 7), so follow $\partial L/\partial h_l$.
#
# Next, lesson 03 builds a recurrent network, which applies one weight matrix at every time
# step, derives backpropagation through time, and measures how much gradient crosses the
# eight words from "was" back to "cat".
#
# ## Further reading
#
# - D. E. Rumelhart, G. E. Hinton, R. J. Williams (1986), "Learning representations by
#   back-propagating errors", *Nature* 323: backpropagation.
# - X. Glorot, Y. Bengio (2010), "Understanding the difficulty of training deep feedforward
#   neural networks", *AISTATS* (PMLR 9): the standard and normalised initialisations, and
#   the back-propagated gradient layer by layer.
# - K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving deep into rectifiers: surpassing
#   human-level performance on ImageNet classification", *ICCV*: the initialisation for
#   ReLU networks.
# - S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", *Neural Computation*
#   9(8), §3.1: the analysis of vanishing error flow, and the ratio argument.
# - R. Pascanu, T. Mikolov, Y. Bengio (2013), "On the difficulty of training recurrent
#   neural networks", *ICML*: the conditions on the weights for vanishing and exploding.

# %% [markdown]
# # 03 · RNNs and backprop through time
#
# > Why an RNN forgets the start of a sentence: its gradient through time is a product of Jacobian matrices.
#
# The article this course follows asks us to read "The cat, which already ate a bowl of milk,
# was full" and notice that *was* agrees with *cat*, eight words earlier: a **long-range
# dependency** (长期依赖). A network that reads one word at a time must carry "the subject is
# singular" across those eight words, and, to *learn* to do so, the training signal must
# travel the same eight steps backwards. This lesson builds the simplest network that reads
# a sequence, works out by hand how its gradient travels back through time, checks that
# derivation three ways, and then measures how much of the gradient survives eight steps,
# or fifty.
#
# ## What you will learn
#
# - what a vanilla recurrent network computes, in the papers' notation and in numpy's;
# - how backpropagation through time (BPTT) makes the gradient a product of one Jacobian matrix per time step, and how to write one step of it;
# - why the gradient of a shared weight is a *sum* over time steps, dominated by the recent ones, and what truncating that sum costs;
# - what the spectral radius and the largest singular value of the recurrent matrix say about vanishing and exploding, and why Pascanu et al.'s bound is sufficient but not necessary;
# - how much gradient crosses the eight words between "cat" and "was" in a measured RNN.
#
# ## Prerequisites
#
# - Lesson 01: the derivatives of sigmoid and tanh, and their bounds σ′ ≤ 1/4 and tanh′ ≤ 1.
# - Lesson 02: the chain rule through a deep network, where the gradient is multiplied by one
#   factor per layer (the activation's typical slope times the weights' gain) and vanishes.
# - Matrix-vector products in numpy (`@`). Eigenvalues are explained when we need them.

# %% [markdown]
# ## A recurrent network reads one word at a time
#
# A **recurrent neural network** (循环神经网络, RNN) reads a sequence $x_1, x_2, \dots, x_T$
# one element per **time step** and keeps a vector $h_t$ of $H$ numbers, its **hidden state**
# (隐藏状态), as its memory of everything read so far (Elman 1990). Each step mixes the old
# state with the new input and squashes the result with an activation $\phi$ (tanh, usually):
#
# $$a_t = W h_{t-1} + U x_t + b, \qquad h_t = \phi(a_t), \qquad t = 1, \dots, T,$$
#
# starting from $h_0 = 0$. Here $x_t$ is the input at step $t$ (for a sentence, a vector that
# stands for the $t$-th word), $a_t$ is the **pre-activation**, $W$ is the $H \times H$
# **recurrent matrix**, $U$ the input matrix and $b$ a bias vector. The same $W$, $U$ and $b$
# are used at every step: that is what makes the network *recurrent*, and what will make its
# gradient a product of many similar factors.
#
# **Two conventions, one network.** The equation above uses *column* vectors, as the papers
# do. Numpy and PyTorch code puts a whole batch of states in the *rows* of one array, of shape
# `(batch, H)`, and multiplies from the right (lesson 02 wrote its layers this way,
# $a_l = h_{l-1} W_l + b_l$). The course's code, `course_utils.rnn`, writes
# the same step as
#
# ```python
# a_t = h_prev @ W_hh + x_t @ W_xh + b        # h_prev: (batch, H), W_hh: (H, H), W_xh: (n_in, H)
# ```
#
# Transposing $W h$ gives $h^\top W^\top$, so the two agree when **$W$ in the math is `W_hh.T`
# in the code** (and $U$ is `W_xh.T`). PyTorch's `torch.nn.RNN` stores exactly these
# transposes: its `weight_hh_l0` is our `W_hh.T`. In the rest of the lesson the equations use
# $W$ and the code uses `W_hh`.
#
# Here is the forward pass, over a batch of sequences at once:

# %%
from course_utils import gradient_vs_distance, rnn, tasks
from course_utils.activations import tanh_prime
from course_utils.display import show_source
from course_utils.lessons import lesson03 as lesson

show_source(rnn.rnn_forward)

# %% [markdown]
# The inputs of a batch form an array of shape `(T, batch, n_in)`: time first, then the
# examples, then the features. Let us run an RNN with $H = 64$ units on 2 sequences of 40
# random input vectors each.

# %%
import numpy as np

params = rnn.init_rnn(n_in=64, n_hidden=64, radius=0.9, seed=0)
x = np.random.default_rng(1).standard_normal((40, 2, 64))  # (T, batch, n_in)
hs, cache = rnn.rnn_forward(x, None, params, "tanh")
print("W_hh:", params["W_hh"].shape, " W_xh:", params["W_xh"].shape, " b:", params["b"].shape)
print("states hs:", hs.shape, "(hs[0] is h_0, hs[t] is h_t)")
print(f"tanh keeps every unit in (-1, 1): largest |h_t| = {np.abs(hs).max():.5f}")
print(f"spread (standard deviation) of the pre-activations a_t: {cache.pre.std():.2f}")

# %% [markdown]
# (`radius=0.9` sets the size of `W_hh`; we will meet this number, its *spectral radius*, in a
# moment.)
#
# **How long does the state remember?** Take two sentences that differ only in their *first*
# word, feed both to the same network, and measure how far apart the two hidden states are at
# each later step. The batch dimension holds the two versions: we copy the first sequence of
# `x` into the second, all but its first input. Below, the tanh network and the same network
# without any activation (the **linear RNN**, $\phi(a) = a$):

# %%
twins = x.copy()
twins[1:, 1] = twins[1:, 0]  # the two sequences now differ only at t = 1
distances = {}
for activation in ("tanh", "linear"):
    hs_twins, _ = rnn.rnn_forward(twins, None, params, activation)
    distance = np.linalg.norm(hs_twins[1:, 0] - hs_twins[1:, 1], axis=-1)  # (T,): t = 1..40
    distances[activation] = distance / distance[0]
    print(f"{activation:>6}: difference at step 40 = {distances[activation][-1]:.1e} of step 1's")
lesson.forgetting_figure(distances)

# %% [markdown]
# The vertical axis is logarithmic, so a straight line means the difference shrinks by the
# same *factor* each step. After 40 steps the tanh network's two states differ by less than
# a billionth of their difference at step 1 (printed above): it has all but forgotten the
# first word. The linear network forgets too, but much more slowly. The rest of the lesson
# explains these slopes with the gradient, which answers the same question ("how much does
# the state, or the loss, at step $t$ depend on an earlier step?") for an infinitely small
# change.

# %% [markdown]
# ## Backpropagation through time, derived
#
# To train an RNN we need the derivative of a loss $L$ with respect to every weight. Suppose,
# to start, that the loss depends only on the last state, $L = L(h_T)$ (for example, whether
# the network predicts the right word after "was"). **Backpropagation through time**
# (随时间反向传播, BPTT; Werbos 1990) is the chain rule of lesson 02 applied to the network
# *unrolled* in time: $T$ copies of the same step, one per time step, as if each were a layer.
#
# **The gradient with respect to a state.** Write $\delta_t = \partial L / \partial h_t$ for
# the gradient of the loss with respect to the state at step $t$, as a *row* vector of $H$
# partial derivatives. The loss depends on $h_{t-1}$ only through $h_t$, so the chain rule
# (with several variables, as in lesson 02) adds up the paths through the units of $h_t$:
#
# $$\delta_{t-1}[j] = \sum_i \delta_t[i]\, \frac{\partial h_t[i]}{\partial h_{t-1}[j]},
# \qquad\text{that is}\qquad \delta_{t-1} = \delta_t \, J_t ,$$
#
# where $J_t = \partial h_t / \partial h_{t-1}$ is the **Jacobian** (雅可比矩阵) of one step:
# the $H \times H$ matrix whose entry in row $i$, column $j$ is
# $\partial h_t[i] / \partial h_{t-1}[j]$. From $h_t[i] = \phi(a_t[i])$ and
# $a_t[i] = \sum_j W[i,j]\, h_{t-1}[j] + \dots$ we get
# $\partial h_t[i] / \partial h_{t-1}[j] = \phi'(a_t[i])\, W[i, j]$, that is
#
# $$J_t = \operatorname{diag}\big(\phi'(a_t)\big)\, W .$$
#
# Row $i$ of $W$ is multiplied by unit $i$'s slope: $\operatorname{diag}(v)$ is the diagonal
# matrix with the vector $v$ on its diagonal. For tanh the slope can be read off the state
# itself: $\tanh'(a) = 1 - \tanh^2(a)$, so $\phi'(a_t) = 1 - h_t^2$ (elementwise).
#
# **The product over steps.** Applying the chain rule $k$ times,
#
# $$\delta_{T-k} = \delta_T \, J_T \, J_{T-1} \cdots J_{T-k+1}:$$
#
# the gradient that reaches $k$ steps back, at **time lag** $k$, has been multiplied by $k$
# Jacobians. In lesson 02 each layer of a deep network had its own weight matrix; here every
# factor contains the *same* $W$, so whatever $W$ does to a vector, it does it $k$ times.
#
# **The gradient with respect to the weights.** $W$ is used at every step, so a small change
# in $W$ changes the loss through every step, and the chain rule *adds* these paths:
#
# $$\frac{\partial L}{\partial W} = \sum_{t=1}^{T} \big(\delta_t \odot \phi'(a_t)\big)^{\!\top}
# h_{t-1}^{\top},$$
#
# where $\odot$ multiplies elementwise. Term $t$ is step $t$'s contribution: the gradient at
# the step's pre-activation, $\delta_t \odot \phi'(a_t)$, paired with the step's input
# $h_{t-1}$. If the loss has a term at every step, $L = \sum_t L_t$, then $\delta_t$ is the
# sum of the *direct* part $\partial L_t / \partial h_t$ and the part that flows back from
# the future, $\delta_{t+1} J_{t+1}$.
#
# **In code.** With rows instead of columns, one step backwards reads: first through the
# activation, `da = dh * (1 - h**2)`, the gradient with respect to $a_t$; then through
# `a = h_prev @ W_hh + x @ W_xh + b`. The product $\delta_t J_t$ becomes `da @ W_hh.T`
# (this `.T` is the correspondence $W$ = `W_hh.T` at work), and each weight's gradient pairs
# `da` with what that weight multiplied: `h_prev` for `W_hh`, `x` for `W_xh`, a 1 for `b`.
# The rows of a batch are independent examples that share the weights, so the weight
# gradients *add up* over the batch.
#
# > **Reading the papers.** Pascanu, Mikolov & Bengio (2013) write their RNN as
# > $x_t = W_{rec}\,\sigma(x_{t-1}) + W_{in} u_t + b$ (activation before the matrix), whose
# > Jacobian is $W_{rec} \operatorname{diag}(\sigma'(x_{t-1}))$; their eq. (5) prints
# > $W_{rec}^\top$ there, a transpose that belongs to the backward pass, as several readers
# > have noted. It changes no norm and no bound below.

# %% [markdown]
# ### Exercise 1: one step of BPTT
#
# Write `rnn_step_backward` for one tanh step $h = \tanh(h_{prev} W_{hh} + x W_{xh} + b)$ in
# the code's row convention. It receives the gradient `dh` $= \partial L / \partial h_t$ (for
# the whole batch) and what the forward pass computed, and returns four arrays:
#
# | returns | meaning | shape |
# |---|---|---|
# | `dh_prev` | $\partial L / \partial h_{t-1}$, to pass one step further back | `(batch, H)` |
# | `dW_hh` | this step's contribution to $\partial L / \partial$ `W_hh` | `(H, H)` |
# | `dW_xh` | this step's contribution to $\partial L / \partial$ `W_xh` | `(n_in, H)` |
# | `db` | this step's contribution to $\partial L / \partial b$ | `(H,)` |
#
# Two stages: `da` through the tanh, then the three products. Each gradient has the shape of
# the thing it is the gradient of, and the shapes guide you: `dW_hh` is `(H, H)` and must be
# built from `h_prev` and `da`, both `(batch, H)`; a matrix product that runs over the batch
# dimension adds up the examples' contributions.


# %%
def rnn_step_backward(dh, h_prev, h, x, W_hh):
    """Backprop through one tanh step h = tanh(h_prev @ W_hh + x @ W_xh + b).

    dh: (batch, H) dL/dh_t;  h_prev: (batch, H) h_{t-1};  h: (batch, H) h_t;
    x: (batch, n_in) x_t;  W_hh: (H, H).
    Returns (dh_prev, dW_hh, dW_xh, db) of shapes (batch, H), (H, H), (n_in, H), (H,).
    """
    # BEGIN SOLUTION
    da = dh * (1 - h**2)  # through tanh: tanh'(a) = 1 - h^2
    dh_prev = da @ W_hh.T
    dW_hh = h_prev.T @ da  # sums over the batch
    dW_xh = x.T @ da
    db = da.sum(axis=0)
    return dh_prev, dW_hh, dW_xh, db
    # END SOLUTION


# %%
from course_utils.exercises import lesson03 as ex

ex.check_rnn_step_backward(rnn_step_backward)

# %% [markdown]
# The checker compares your function with the course's `rnn.rnn_step_backward`, which
# also takes `W_xh` and the activation's name, and returns `dx` (the gradient for the
# input):

# %%
show_source(rnn.rnn_step_backward)

# %% [markdown]
# ### Exercise 2: the whole backward pass
#
# Now chain the steps. The loss sits at the last step only; you get its gradient `dh_T`
# $= \partial L / \partial h_T$ of shape `(batch, H)`, the states `hs` of shape
# `(T + 1, batch, H)` (with `hs[0]` $= h_0$ and `hs[t]` $= h_t$) and the inputs `xs` of shape
# `(T, batch, n_in)` (with `xs[t]` the input of the step from `hs[t]` to `hs[t + 1]`).
# Return $\partial L / \partial$ `W_hh`, of shape `(H, H)`.
#
# Use the course's one-step function: `step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1],
# xs[t], W_hh, W_xh)` returns a record with fields `step.dh_prev` and `step.dW_hh` (and
# `dx`, `dW_xh`, `db`). Walk from the last step back to the first.


# %%
def bptt_dW_hh(dh_T, hs, xs, W_hh, W_xh):
    """dL/dW_hh for a loss at the last step, by BPTT. Returns an (H, H) array."""
    # BEGIN SOLUTION
    dW_hh = np.zeros_like(W_hh)
    dh = dh_T
    for t in reversed(range(len(xs))):
        step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], W_hh, W_xh)
        dW_hh += step.dW_hh  # W_hh is shared: add every step's contribution
        dh = step.dh_prev  # pass the gradient one step further back
    return dW_hh
    # END SOLUTION


# %%
ex.check_bptt_dW_hh(bptt_dW_hh)

# %% [markdown]
# The course's full BPTT, `rnn.rnn_backward`, does the same for a loss at every step and for
# all the weights: at each step it adds the direct gradient `dhs[t]` to the one coming back
# from the future.

# %%
show_source(rnn.rnn_backward)

# %% [markdown]
# **Which steps does the weight gradient hear?** Keep each step's contribution to
# $\partial L/\partial W$ apart, for a tanh RNN of 50 steps with the loss at the last one,
# and plot its size against the step's distance from the loss. Here and in the rest of the
# lesson the loss is the simplest one that depends on every unit, $L = r \cdot h_T$ with a
# fixed random vector $r$ of length 1, so that $\delta_T = r$ and $\lVert \delta_T \rVert = 1$.
# The loop is exercise 2's, with each step's `dW_hh` kept in a list instead of added up:

# %%
rng = np.random.default_rng(0)
params = rnn.init_rnn(64, 64, radius=0.9, seed=rng)  # the same W as above (seed 0)
xs = rng.standard_normal((50, 1, 64))  # 50 random inputs
r = rng.standard_normal((1, 64))
hs, _ = rnn.rnn_forward(xs, None, params, "tanh")
dh, parts = r / np.linalg.norm(r), []  # delta_T = r, of length 1
for t in reversed(range(50)):
    step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], params["W_hh"], params["W_xh"])
    parts.append(step.dW_hh)  # parts[k]: the contribution of the step k back from the loss
    dh = step.dh_prev
shares = np.array([np.linalg.norm(part) for part in parts])
for k in (10, 40):
    print(f"the step {k} back contributes {shares[k] / shares[0]:.1e} of the last step's share")
lesson.weight_shares_figure(shares)

# %% [markdown]
# The total $\partial L/\partial W$ is not small: the last few steps supply it. What vanishes
# is the *share* of the distant steps: a few thousandths of the last step's at 10 steps back,
# less than $10^{-10}$ at 40 (printed above). A gradient step on $W$ therefore
# follows what the last few inputs suggest, and a larger learning rate scales every term
# alike, so it cannot change that balance (Hochreiter & Schmidhuber 1997 make the same point).
# Vanishing is about *ratios*, not zeros.
#
# ### Truncated BPTT: cutting the sum on purpose
#
# Full BPTT keeps every state of the forward pass until the backward pass has used it, so its
# memory grows with the length of the sequence: a book, or an hour of speech, would not fit.
# The standard practice for long sequences is **truncated BPTT** (截断的随时间反向传播): run the
# forward pass through the whole sequence, carrying the state along, but propagate each
# gradient back only $k$ steps. In practice the sequence is cut into chunks of about $k$ steps
# and the backward pass stops at the start of each chunk, so only one chunk's states are
# stored. Williams & Peng (1990) call it "the widely used on-line gradient approximation
# technique". In the sum above, truncation keeps the $k$ most recent terms and drops the
# rest. How much does that change our RNN's $\partial L/\partial W$?

# %%
full = sum(parts)  # dL/dW_hh of full BPTT
for k in (5, 10, 20):
    truncated = sum(parts[:k])  # the k most recent steps' contributions
    change = np.linalg.norm(full - truncated) / np.linalg.norm(full)
    print(f"truncated after {k:>2} steps: the gradient changes by {change:.1e} of its size")

# %% [markdown]
# Hardly at all after 10 or 20 steps (printed above): the dropped terms are the ones that had
# already vanished, which is why truncation is cheap in practice. It is not free, though:
# trained with $k$-step truncation, a network gets *no* gradient from a dependency longer than
# $k$ steps, although its forward pass could still carry one. Full BPTT gives such a
# dependency a tiny share of the gradient; truncation gives it none. (The 1997 LSTM of
# lesson 05 truncated in a different place: it cut the paths that leave its memory cell, and
# kept the path along the cell whole.)

# %% [markdown]
# ## Is the derivation right? Three independent checks
#
# A hand-written gradient deserves a check. The next cell runs the course's `rnn_backward`
# on a small tanh RNN (5 steps, batch 3, 6 units, a loss term at every step, in float64)
# and compares its weight gradients with three references:
#
# - **finite differences** (有限差分, lesson 01): nudge each weight by ±10⁻⁵ and rerun the
#   forward pass;
# - **torch autograd** through the same recurrence written with torch operations;
# - **`torch.nn.RNN`**, PyTorch's own RNN layer, with our weights copied in: `W_hh.T` into
#   its `weight_hh_l0` and `W_xh.T` into `weight_ih_l0`, the correspondence above.
#
# The measure is the relative error $\lVert g_1 - g_2 \rVert / (\lVert g_1 \rVert +
# \lVert g_2 \rVert)$ of lesson 01; below $10^{-7}$ means the gradients agree.

# %%
errors = lesson.bptt_gradient_check()
for reference, by_weight in errors.items():
    shown = "   ".join(f"{name}: {err:.1e}" for name, err in by_weight.items())
    print(f"{reference:>20}   {shown}")
print("all below 1e-7:", max(max(e.values()) for e in errors.values()) < 1e-7)

# %% [markdown]
# All nine relative errors are far below $10^{-7}$: the derivation, the numpy code and
# PyTorch agree, and so does the row/column correspondence. (Finite differences are the least
# precise of the three references, as lesson 01 explained, which is why their errors are the
# largest.)

# %% [markdown]
# ## How fast does the product of Jacobians shrink?
#
# Everything now hangs on the product $J_T J_{T-1} \cdots J_{T-k+1}$. Two numbers describe
# what a square matrix $W$ does when it is applied again and again.
#
# - An **eigenvector** $v$ of $W$ is a direction that $W$ only stretches: $W v = \lambda v$,
#   with the **eigenvalue** (特征值) $\lambda$ (a real or complex number) as the stretch. The
#   **spectral radius** (谱半径) $\rho(W)$ is the largest $|\lambda|$. It is the *long-run*
#   growth rate: applied $k$ times, $W$ changes the length of a typical vector by roughly
#   $\rho^k$ when $k$ is large.
# - The **largest singular value** (奇异值) $\sigma_{\max}(W) = \max_{v \ne 0}
#   \lVert W v \rVert / \lVert v \rVert$ is the most $W$ can stretch *any* vector in *one*
#   step (it is also the matrix norm $\lVert W \rVert_2$).
#
# Always $\rho \le \sigma_{\max}$, and transposing $W$ changes neither, so `W_hh` and the
# papers' $W$ share them. For a random matrix like ours, $\sigma_{\max}$ is about twice
# $\rho$:

# %%
W_hh = params["W_hh"]
print(f"spectral radius rho       = {rnn.spectral_radius(W_hh):.2f}")
print(f"largest singular value    = {np.linalg.norm(W_hh, 2):.2f}")

# %% [markdown]
# **The linear RNN.** Without an activation, $\phi'(a) = 1$ and every Jacobian is $W$ itself,
# so $\delta_{T-k} = \delta_T W^k$. That is lesson 00's repeated product, with a matrix in
# place of a number.
#
# ### Exercise 3: predict the gradient at lag 20
#
# A linear RNN with $H = 64$ units has a random recurrent matrix with spectral radius
# $\rho = 0.7$. The loss is at step $T = 100$ and $\lVert \delta_T \rVert = 1$. **Predict**
# $\lVert \delta_{T-20} \rVert$, the size of the gradient 20 steps back, then run the check,
# which compares your guess with the measured value and accepts anything within a factor of
# 10 (on a log scale, because these numbers span many powers of ten).

# %%
# BEGIN SOLUTION (stub: guess = ...)
guess = 0.7**20  # the long-run rate is rho per step
# END SOLUTION

# %%
ex.check_gradient_prediction(guess)

# %% [markdown]
# **Now tanh.** Before you run the next cell, decide: with the same kind of $W$ ($\rho = 0.7$)
# but a tanh activation, will the gradient 20 steps back be larger or smaller than the
# linear RNN's, and why?

# %%
linear = rnn.gradient_vs_lag(100, 0.7, "linear")  # exercise 3's RNN
tanh = rnn.gradient_vs_lag(100, 0.7, "tanh")  # the same W and inputs, with tanh
print(
    f"gradient at lag 20: linear {linear.norms[20]:.1e}, tanh {tanh.norms[20]:.1e}, "
    f"ratio tanh / linear {tanh.norms[20] / linear.norms[20]:.1e}"
)

# %% [markdown]
# Smaller, by orders of magnitude. Every tanh Jacobian is $\operatorname{diag}(\tanh'(a_t))
# W$: the same $W$, and then every unit's component is multiplied by its slope
# $\tanh'(a_t[i]) \le 1$. The pre-activations of our runs spread over about $\pm 1.1$ (their
# standard deviation, printed near the start of the lesson), where tanh′ is well below its
# peak (lesson 01). Exactly as in lesson 02, the factor per step should be close to
# *typical slope × weight gain*: the typical (root-mean-square) slope $\tanh'(a_t)$ over the
# run, times the gain $\lVert W \rVert_F / \sqrt{H}$ (the Frobenius norm
# $\lVert W \rVert_F$ is the square root of the sum of the squared entries), which is how
# much $W$ stretches a vector in a random direction, on average. The next cell rebuilds the
# tanh run (`gradient_vs_lag` draws $W$, then the inputs, from seed 0) and compares that
# product with the measured factor per step, $e^{\text{slope}}$, where the slope is the
# straight-line fit of $\log \lVert \delta_{T-k} \rVert$ against $k$ over the second half
# of the lags (`LagProfile.slope`):

# %%
rng = np.random.default_rng(0)
params_07 = rnn.init_rnn(64, 64, radius=0.7, seed=rng)
_, cache = rnn.rnn_forward(rng.standard_normal((100, 1, 64)), None, params_07, "tanh")
typical_slope = np.sqrt(np.mean(tanh_prime(cache.pre) ** 2))  # RMS of tanh'(a_t)
gain = np.linalg.norm(params_07["W_hh"]) / np.sqrt(64)  # ||W||_F / sqrt(H)
print(
    f"measured factor per step: linear {np.exp(linear.slope()):.3f} (rho = {linear.rho:.2f}), "
    f"tanh {np.exp(tanh.slope()):.3f}"
)
estimate = typical_slope * gain
print(f"tanh: typical slope {typical_slope:.3f} x weight gain {gain:.3f} = {estimate:.3f}")

# %% [markdown]
# The linear RNN shrinks by $\rho$ per step, as exercise 3 said. With tanh, each step
# removes a further factor of about 0.66, the typical slope, and the gain is close to $\rho$
# for our random $W$; their product matches the measured factor. Twenty such factors put the
# tanh gradient between three and four powers of ten below the linear one (the ratio printed
# above).

# %% [markdown]
# ## The bound of Pascanu, Mikolov & Bengio (2013)
#
# Can we say *in advance* when the gradient must vanish? The norm of a product is at most the
# product of the norms, and $\lVert \operatorname{diag}(\phi'(a_t)) \rVert \le \gamma$, where
# $\gamma = \max_a |\phi'(a)|$ is the activation's largest slope: $\gamma = 1/4$ for the
# sigmoid, $\gamma = 1$ for tanh and ReLU (lesson 01). So every Jacobian stretches by at most
# $\gamma\, \sigma_{\max}(W)$, and
#
# $$\lVert \delta_{T-k} \rVert \;\le\; \big(\gamma\, \sigma_{\max}(W)\big)^k \,
# \lVert \delta_T \rVert .$$
#
# Pascanu, Mikolov & Bengio (2013) draw two conclusions from it:
#
# - if $\sigma_{\max}(W) < 1/\gamma$, the gradient **must vanish**, exponentially: a
#   *sufficient* condition for vanishing;
# - so $\sigma_{\max}(W) > 1/\gamma$ is *necessary* for it to **explode** (梯度爆炸).
#
# Neither statement runs the other way. The slider below shows the measured gradient
# $\lVert \delta_{T-k} \rVert$ (solid), the bound (dashed) and, for comparison, $\rho^k$, the
# linear RNN's rate (dotted), against the lag $k$, for the loss $L = r \cdot h_T$ of a random
# RNN with 64 units and random inputs (`rnn.gradient_vs_lag`). Its controls: the sequence
# length $T$; the size of `W_hh`, set either as its spectral radius or as its largest singular
# value; and the activation. The title names the regime (vanishing or exploding); the readout
# names it too and gives the measured slope per step against the bound's. The axes reach as
# far as the lines would if $T$ grew to the end of the lag axis, so that they stay put while
# you drag.
#
# Things to try: the linear RNN at several radii (the measured line runs parallel to $\rho^k$);
# tanh at $\rho = 0.9$ (it vanishes although the bound grows); tanh at $\rho = 3$ (it explodes);
# sigmoid at largest singular value 3 (below $1/\gamma = 4$: the bound itself falls); ReLU at
# $\rho = 3$ as $T$ grows to 1000 (the gradient grows towards the largest number float64 can
# hold; at $T = 1000$ the state itself has overflowed, and the plot marks the undefined
# gradients with triangles at the top).

# %% tags=["nbval-ignore-output"]
lesson.lag_slider()

# %% [markdown]
# The same figure for a tanh RNN at four spectral radii (the title of each panel names the
# regime, then gives the measured slope of $\log \lVert \delta_{T-k} \rVert$ per step, fitted
# over the second half of the lags, and the bound's slope, $\log(\gamma\,\sigma_{\max})$):

# %%
lesson.lag_sweep()

# %% [markdown]
# In every panel the measured gradient stays below the dashed bound, and at $\rho = 0.9$ and
# $1.5$ it falls while the bound rises. The measured slopes, and the bound's, for four activations
# (second half of $T = 100$ lags, seed 0):

# %%
radii = (0.5, 0.9, 1.5, 3.0)
table = gradient_vs_distance.slope_table(radii, ("linear", "tanh", "sigmoid", "relu"))
print("measured slope per step (bound's slope log(gamma sigma_max) in brackets)")
print(f"{'':>8}" + "".join(f"{f'rho = {r}':>18}" for r in radii))
for activation in ("linear", "tanh", "sigmoid", "relu"):
    cells = [table[activation, r] for r in radii]
    print(f"{activation:>8}" + "".join(f"{c.slope:>+10.2f} ({c.bound_slope:+.2f})" for c in cells))
print(f"{'log(rho)':>8}" + "".join(f"{np.log(r):>+10.2f}{'':8}" for r in radii))
holds = all(np.all(c.profile.log_norms <= c.profile.log_bound + 1e-9) for c in table.values())
print("measured <= bound at every lag of all 16 runs:", holds)
print(
    f"sigma_max at rho = 0.9: {table['tanh', 0.9].profile.sigma_max:.2f}, "
    f"at rho = 3: {table['tanh', 3.0].profile.sigma_max:.2f}"
)
linear_gap = max(abs(table["linear", r].slope - np.log(r)) for r in radii)
print(f"linear RNN: largest |slope - log(rho)| = {linear_gap:.3f}")

# %% [markdown]
# What the table says (every number is printed above):
#
# - **Linear RNN:** the slope is $\log \rho$ to within 0.01 (compare the first row with the
#   last): the spectral radius alone sets the rate, as in exercise 3.
# - **The bound holds everywhere, and it is loose.** For tanh at $\rho = 0.9$,
#   $\sigma_{\max} = 1.77 > 1$, so the bound *allows* growth (+0.57 per step), yet the
#   gradient vanishes at −0.58 per step. Pascanu's condition is sufficient, not necessary:
#   gradients vanish in many networks it says nothing about.
# - **tanh can explode.** At $\rho = 3$ the tanh RNN's gradient *grows* (+0.25 per step),
#   though tanh′ ≤ 1 everywhere: the weights, not the activation alone, decide.
# - **$\sigma_{\max} > 1/\gamma$ is necessary, not sufficient, for exploding.** The sigmoid RNN
#   at $\rho = 3$ has $\sigma_{\max} = 5.9 > 4$, and its gradient still vanishes (−0.73).

# %% [markdown]
# > **Myth** (the article): for sigmoid and tanh, "它们的导数始终小于1" ("their derivatives
# > are always less than 1"), so "在反向传播过程中,梯度不断相乘,趋近于零" ("in
# > backpropagation the gradients keep being multiplied and approach zero").
# >
# > **Fact**: σ′(x) ≤ 1/4, with equality only at x = 0, and tanh′(x) ≤ 1, with equality at
# > x = 0, so "less than 1" is not quite true for tanh and far too generous for the sigmoid.
# > More importantly, the slope is only half of each factor: backprop multiplies by the
# > Jacobian diag(φ′(a_t)) W, and W can stretch. Pascanu, Mikolov & Bengio (2013) give the
# > precise criterion: with γ the largest slope (1/4 sigmoid, 1 tanh), σ_max(W) < 1/γ is
# > *sufficient* for vanishing, and σ_max(W) > 1/γ is *necessary* for exploding. The bound
# > behind it is loose: the tanh RNN above vanishes at σ_max = 1.77, and explodes at ρ = 3.
# > The original analyses are Hochreiter's 1991 diploma thesis (with sigmoid units, error
# > flowing back along a path through weights of size |w| < 4 shrinks at every step) and
# > Bengio, Simard & Frasconi (1994), who showed that storing information robustly in an
# > RNN's state forces the gradient from the distant past to vanish.

# %% [markdown]
# ## Back to the cat
#
# How many steps separate "cat" from "was"? A word-level RNN takes one step per word
# (`tasks.tokenize` drops the punctuation):

# %%
sentence = "The cat, which already ate a bowl of milk, was full"
print(tasks.tokenize(sentence))
print("steps from 'cat' to 'was':", tasks.sentence_lag(sentence, "cat", "was"))

# %% [markdown]
# Eight steps, so $\partial L / \partial h_{\text{cat}}$ carries eight Jacobians. Feed the
# ten words up to "was" to the tanh RNN of the slider ($\rho = 0.9$, 64 units; random vectors
# stand in for the words), put the loss at "was", and measure the gradient at every word. The
# gradient $k$ steps back from "was" is the slider's gradient at lag $k$, so reversing the
# lags puts it under the words:

# %%
words = tasks.tokenize(sentence)
words = words[: words.index("was") + 1]  # the ten words up to "was", where the loss is
at_word = rnn.gradient_vs_lag(len(words), 0.9, "tanh").norms[::-1]  # ||dL/dh|| at each word
cat = words.index("cat")
print(f"fraction of the gradient at 'was' that reaches 'cat' (seed 0): {at_word[cat]:.2%}")
lag = tasks.sentence_lag(sentence, "cat", "was")
over_seeds = [rnn.gradient_vs_lag(len(words), 0.9, "tanh", seed=s).norms[lag] for s in range(10)]
print(f"over seeds 0-9: from {min(over_seeds):.2%} to {max(over_seeds):.2%}")
for word, norm in list(zip(words, at_word, strict=True))[-4:-1]:
    print(f"  fraction reaching '{word}': {norm:.0%}")
print(
    f"the same RNN, first word of a 50-word sentence (49 steps back): "
    f"{rnn.gradient_vs_lag(50, 0.9, 'tanh').norms[49]:.1e}"
)
lesson.sentence_figure(words, at_word, lag)

# %% [markdown]
# About half a percent to one percent of the gradient at "was" reaches "cat" (0.46 % here;
# between 0.46 % and 1.30 % over ten random networks, printed above). Meanwhile "milk", "of"
# and "bowl" receive 61 %, 31 % and 14 % of it: when the network is trained to predict
# "was", the change to its weights is driven almost entirely by the last few words, and the
# long-range dependency on "cat" is a whisper under them. At the first word of a 50-word
# sentence (49 steps back), the fraction is about $2 \times 10^{-13}$.
#
# Two honest caveats. This RNN is untrained; training changes $W$, and a trained network can
# hold some information longer. And 0.5 % is not zero: with enough examples a plain RNN can
# learn some eight-step dependencies. Lesson 06 trains RNNs on exactly this kind of agreement
# and measures how accuracy falls with distance. What this lesson shows is *why* it falls:
# the gradient is a product of one Jacobian per word.

# %% [markdown]
# ## Summary
#
# - A vanilla RNN computes $h_t = \phi(W h_{t-1} + U x_t + b)$ with the same weights at
#   every step. In row-vector code, $W$ is `W_hh.T` (and `torch.nn.RNN`'s `weight_hh_l0`).
# - BPTT is the chain rule on the unrolled network: $\delta_{t-1} = \delta_t J_t$ with the
#   Jacobian $J_t = \operatorname{diag}(\phi'(a_t))\, W$, so the gradient at lag $k$ carries a
#   product of $k$ Jacobians. The gradient of a shared weight is a *sum* over steps, and the
#   distant steps' shares are exponentially small: vanishing is about ratios. Truncated BPTT
#   drops the terms beyond $k$ steps, which saves memory and changes the gradient little, but
#   gives dependencies longer than $k$ no gradient at all.
# - The numpy BPTT matches finite differences, torch autograd and `torch.nn.RNN` to a relative
#   error far below $10^{-7}$.
# - A linear RNN's gradient shrinks or grows like $\rho(W)^k$; an activation multiplies each
#   step by its slopes as well (typical slope × weight gain, as in lesson 02).
# - Pascanu et al.: $\sigma_{\max}(W) < 1/\gamma$ is sufficient for vanishing, and
#   $\sigma_{\max}(W) > 1/\gamma$ necessary for exploding. The bound is loose: tanh RNNs vanish
#   where it allows growth, and they can explode with large weights.
# - In "The cat, which already ate a bowl of milk, was full", about half a percent to one
#   percent of the gradient crosses the eight steps from "was" to "cat" in a random tanh RNN.
#
# Next, lesson 04 takes on the other direction, exploding gradients, and what ReLU, identity
# initialisation, gradient clipping and normalisation do and do not fix.
#
# ## Further reading
#
# - J. L. Elman (1990), "Finding structure in time", *Cognitive Science* 14(2): the simple
#   recurrent network.
# - P. J. Werbos (1990), "Backpropagation through time: what it does and how to do it",
#   *Proceedings of the IEEE* 78(10).
# - R. J. Williams, J. Peng (1990), "An efficient gradient-based algorithm for on-line
#   training of recurrent network trajectories", *Neural Computation* 2(4): truncated BPTT
#   and its variants.
# - S. Hochreiter (1991), *Untersuchungen zu dynamischen neuronalen Netzen*, diploma thesis,
#   TU München: the first analysis of vanishing (and exploding) error flow.
# - Y. Bengio, P. Simard, P. Frasconi (1994), "Learning long-term dependencies with gradient
#   descent is difficult", *IEEE Transactions on Neural Networks* 5(2).
# - S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", *Neural Computation* 9(8):
#   section 3 retells the 1991 analysis in English.
# - R. Pascanu, T. Mikolov, Y. Bengio (2013), "On the difficulty of training recurrent neural
#   networks", *ICML*: the singular-value conditions, and gradient clipping (lesson 04).

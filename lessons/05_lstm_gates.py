# %% [markdown]
# # 05 · The LSTM: gates and the cell path
#
# > How the LSTM's additive cell state lets a gradient travel far when its forget gate stays near 1, and what it costs.
#
# Lesson 03 ended with a product: the gradient that reaches a word $k$ steps back has been
# multiplied by $k$ Jacobians $\operatorname{diag}(\phi'(a_t))\,W$, and it shrank by orders of
# magnitude. Lesson 04 tamed the opposite problem, explosion, with clipping, but clipping
# gives a network no memory. This lesson changes the product itself. The **long short-term
# memory** network (长短期记忆网络, LSTM; Hochreiter & Schmidhuber 1997) keeps a second state,
# the cell, that is *added to* at every step instead of being multiplied by a weight matrix.
# The article this course follows calls the LSTM "不够'高级'的解决方案", a solution that is not
# advanced enough: slow to train, hard to parallelise, and still unable to escape exploding
# gradients. We build the LSTM in numpy, check it against PyTorch, derive what its gradient
# along the cell is, watch a hand-set LSTM carry "cat is singular" to "was", and then test
# the article's charges one by one.
#
# ## What you will learn
#
# - what an LSTM step computes (input, forget and output gates and a candidate), by writing one;
# - why the gradient along the cell state is a product of forget gates, and why the forget gate's bias, not the architecture alone, decides whether it survives 100 steps;
# - the history told right: the 1997 constant error carousel had no forget gate; Gers et al. added it in 2000; Graves & Schmidhuber trained it with the full gradient in 2005; Jozefowicz et al. showed in 2015 how much a forget bias of 1 helps;
# - how a hand-set two-unit LSTM remembers the subject of "The cat, which already ate a bowl of milk, was full", gate by gate, and what the GRU does differently;
# - what is true in "LSTMs still explode" (measured) and in "LSTMs train slowly" (measured in lesson 06).
#
# ## Prerequisites
#
# - Lesson 01: the sigmoid $\sigma(x) = 1/(1 + e^{-x})$, between 0 and 1, and tanh, between
#   −1 and 1.
# - Lesson 03: the RNN $h_t = \tanh(h_{t-1} W_{hh} + x_t W_{xh} + b)$ in the code's row
#   convention, backpropagation through time, the gradient against the time lag $k$ (about
#   $2 \times 10^{-13}$ at lag 49 for the tanh RNN with spectral radius 0.9), and the cat
#   sentence.
# - Lesson 04: clipping the gradient by its global norm.

# %%
import numpy as np

from course_utils import lstm, rnn, tasks
from course_utils.activations import sigmoid
from course_utils.display import show_source
from course_utils.env import use_one_thread
from course_utils.exercises import lesson05 as ex
from course_utils.lessons import lesson05 as lesson

use_one_thread()  # small torch models run far faster on one thread (used in later sections)

# %% [markdown]
# ## Gates: a memory you write, keep and read
#
# A **gate** (门) is a vector of numbers between 0 and 1, made by a sigmoid, that multiplies
# another vector elementwise: where it is 0 it blocks the signal, where it is 1 it lets it
# through. An LSTM with $H$ units keeps two vectors of length $H$: the hidden state $h_t$,
# which the rest of the network reads, and the **cell state** (细胞状态) $c_t$, its memory.
# Each step computes four blocks of $H$ numbers from the input and the previous hidden state,
# all with one matrix product (row vectors, as in lesson 03's code):
#
# $$z_t = x_t W_x + h_{t-1} W_h + b \qquad (4H \text{ numbers: four blocks of } H),$$
#
# $$i_t = \sigma(z_t^{(i)}), \quad f_t = \sigma(z_t^{(f)}), \quad g_t = \tanh(z_t^{(g)}),
# \quad o_t = \sigma(z_t^{(o)}),$$
#
# $$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t),$$
#
# where $\odot$ multiplies elementwise and $h_0 = c_0 = 0$. The blocks, in the order the
# course (and PyTorch's `torch.nn.LSTM`) stacks them:
#
# | block | columns of $z$ | name | squashed by | role |
# |---|---|---|---|---|
# | $i$ | `0:H` | **input gate** (输入门) | sigmoid, (0, 1) | how much of the candidate to write |
# | $f$ | `H:2H` | **forget gate** (遗忘门) | sigmoid, (0, 1) | how much of the old cell to keep |
# | $g$ | `2H:3H` | candidate | tanh, (−1, 1) | what to write |
# | $o$ | `3H:4H` | **output gate** (输出门) | sigmoid, (0, 1) | how much of the cell to show in $h_t$ |
#
# Read the cell update as *keep some, write some*: $f_t \odot c_{t-1}$ keeps a fraction of the
# old memory and $i_t \odot g_t$ writes a fraction of the new candidate. Despite its name,
# the forget gate is the fraction **kept**: $f = 1$ forgets nothing. The output gate then
# decides how much of the (squashed) memory appears in $h_t$. With $H = 64$ units and 8
# inputs, the three parameter arrays are:

# %%
params = lstm.init_lstm(n_in=8, n_hidden=64, forget_bias=1.0, seed=0)
for name, value in params.items():
    print(f"{name}: shape {value.shape}")
print("columns of the forget gate:", lstm.gate_slice("f", 64))
print("bias of the forget block:", np.unique(params["b"][lstm.gate_slice("f", 64)]))

# %% [markdown]
# (`init_lstm` sets the forget block of the bias to `forget_bias`, here 1, and every other
# bias to 0; the section on the forget-gate bias explains why.)
#
# ### Exercise 1: one LSTM step
#
# Write `lstm_step_forward`, which takes a batch of inputs `x` (shape `(batch, n_in)`), the
# previous states `h_prev` and `c_prev` (each `(batch, H)`) and the parameters `W_x`
# `(n_in, 4H)`, `W_h` `(H, 4H)` and `b` `(4H,)`, and returns the tuple `(h, c)` of the new
# states. Slice $z$ in the order of the table; `sigmoid` is imported above, `np.tanh` is
# numpy's.


# %%
def lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step: returns (h, c), each of shape (batch, H)."""
    # BEGIN SOLUTION
    H = h_prev.shape[1]
    z = x @ W_x + h_prev @ W_h + b
    i = sigmoid(z[:, 0:H])
    f = sigmoid(z[:, H : 2 * H])
    g = np.tanh(z[:, 2 * H : 3 * H])
    o = sigmoid(z[:, 3 * H : 4 * H])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c
    # END SOLUTION


# %%
ex.check_lstm_step_forward(lstm_step_forward)

# %% [markdown]
# The checker compares your step with the course's `lstm.lstm_step`, which also returns what
# the backward pass will need (the gates and $\tanh(c_t)$). It recognises each typical
# mistake: a tanh where a gate needs a sigmoid, a sigmoid on the candidate, $h = o \odot c$,
# a missing input gate, and all 23 wrong orders of the four blocks. That last one is the
# classic: other code bases stack the blocks in other orders (i, f, o, g is common), the code
# still runs, and the weights silently mean something else.

# %%
show_source(lstm.lstm_step)

# %% [markdown]
# ## Backward through time, and three checks
#
# Backpropagation through time works as in lesson 03, with one new feature: the cell state
# reaches the loss by **two routes**. From step $t$ it goes into $h_t = o_t \odot
# \tanh(c_t)$, and into the next cell, $c_{t+1} = f_{t+1} \odot c_t + \dots$. So its total
# gradient is the sum of the two:
#
# $$\frac{\partial L}{\partial c_t} = \underbrace{\frac{\partial L}{\partial c_{t+1}} \odot
# f_{t+1}}_{\text{along the cell}} + \underbrace{\frac{\partial L}{\partial h_t} \odot o_t
# \odot \big(1 - \tanh^2(c_t)\big)}_{\text{through } h_t}.$$
#
# The gates' pre-activations get their gradients by the product rule (for example the
# forget block receives $\partial L/\partial c_t \odot c_{t-1} \odot f_t(1 - f_t)$, since
# $\sigma' = \sigma(1 - \sigma)$), and the gradient for $h_{t-1}$ collects what flows back
# through all four blocks: `dh_prev = dz @ W_h.T`, exactly as `da @ W_hh.T` did for the RNN.
# Here is one step backward:

# %%
show_source(lstm.lstm_step_backward)

# %% [markdown]
# `lstm.lstm_backward` chains these steps from $t = T$ down to 1, carrying
# $\partial L/\partial h$ and $\partial L/\partial c$ back one step at a time. Is it right?
# The next cell runs a small LSTM (5 steps, batch 3, 4 inputs, 6 units, random biases and
# initial states, in float64) with a loss term at every step, $L = \sum_t h_t \cdot C_t$ for
# fixed random $C_t$, and compares the weight gradients with the three references of lesson
# 03: finite differences, torch autograd through the same equations, and `torch.nn.LSTM` with
# our weights copied in (`lstm.to_torch_lstm`: its `weight_ih_l0` is `W_x.T`, its
# `weight_hh_l0` is `W_h.T`, and its two bias vectors add up to `b`). It also compares the
# forward states with `torch.nn.LSTM`'s.

# %%
check = lesson.gradient_check()
print(f"forward states vs torch.nn.LSTM: relative error {check.forward:.1e}")
for reference, by_weight in check.backward.items():
    shown = "   ".join(f"{name}: {err:.1e}" for name, err in by_weight.items())
    print(f"{reference:>20}   {shown}")
largest = max(max(e.values()) for e in check.backward.values())
print("all below 1e-7:", largest < 1e-7 and check.forward < 1e-7)

# %% [markdown]
# Every relative error is far below $10^{-7}$ (finite differences, as always, are the least
# precise reference): the numpy LSTM computes what PyTorch's does, forward and backward, and
# the gate order is PyTorch's.
#
# ## History, told right: the carousel, then the forget gate
#
# The article lists three gates, forget, input and output. The first LSTM had two.
#
# **1997: the constant error carousel.** Hochreiter & Schmidhuber's memory cell had a
# self-connection of *fixed* weight 1.0, an input gate and an output gate. In today's
# notation its cell update is $c_t = c_{t-1} + i_t \odot g_t$: the forget gate is missing,
# which is the same as $f_t = 1$ at every step. Along the cell, then, $\partial c_t /
# \partial c_{t-1} = 1$ exactly: an error signal circulates back through the cell without
# ever being scaled, the **constant error carousel**. To keep it that way they also
# *truncated* the gradient: errors that leave the cell through its input and its gates were
# not propagated further back in time. (This is not lesson 03's truncated BPTT, which cuts
# every path after $k$ steps: the 1997 LSTM cut the paths out of the cell at once, and kept
# the path along the cell whole.) Their abstract: "Truncating the gradient where this
# does not do harm, LSTM can learn to bridge minimal time lags in excess of 1000
# discrete-time steps by enforcing constant error flow through constant error carousels
# within special units."
#
# **2000: the forget gate.** A cell that can only add cannot let go. Gers, Schmidhuber &
# Cummins (2000) fed LSTMs continual streams that are not cut into separate sequences and
# found that, with no reset between sequences, the cell state can keep growing until the
# network breaks down. Their remedy was an adaptive forget gate, $f_t$, which lets a cell
# learn to reset itself when its content is no longer needed. The modern LSTM above is the
# 1997 cell plus this gate, trained with the full, untruncated gradient, as `lstm_backward`
# and PyTorch compute it; Graves & Schmidhuber (2005) introduced this "full gradient version
# of the LSTM learning algorithm". One more addition of 2000 is left out here, as in
# PyTorch's LSTM: **peephole connections** (窥视孔连接; Gers & Schmidhuber 2000), which feed
# the cell state itself into the gates so that they can time their opening.
#
# The forget gate has a price, and it is the subject of the rest of this lesson: the
# carousel's weight is no longer 1 but $f_t$, a number between 0 and 1 that changes at every
# step.

# %% [markdown]
# ## The cell path: a product of forget gates
#
# Follow the gradient along the cell only. From $c_t = f_t \odot c_{t-1} + i_t \odot g_t$,
# holding the gates and the candidate fixed, the derivative of unit $j$ of $c_t$ with respect
# to unit $j$ of $c_{t-1}$ is $f_t[j]$, and unit $j$ of $c_{t-1}$ does not enter any other
# unit's $c_t$ this way. So the Jacobian of this **direct cell path** is diagonal,
# $\operatorname{diag}(f_t)$, and going back $k$ steps multiplies the gradient, unit by unit,
# by
#
# $$\left.\frac{\partial c_T}{\partial c_{T-k}}\right|_{\text{direct}} = f_T \odot f_{T-1}
# \odot \dots \odot f_{T-k+1}.$$
#
# Compare lesson 03's RNN, whose Jacobian per step is $\operatorname{diag}(\tanh'(a_t))\,W$:
# here there is **no weight matrix** (nothing to stretch or shrink the gradient in a way
# that depends on $W$'s size) and **no squashing derivative**. There are only forget gates,
# each between 0 and 1. The product cannot explode, and it is close to 1 as long as every
# $f_t$ is close to 1. With $f_t = 1$ it is the 1997 carousel.
#
# This is *one* path. $c_{t-1}$ also reaches $c_t$ through $h_{t-1} = o_{t-1} \odot
# \tanh(c_{t-1})$, which feeds the three gates and the candidate of step $t$; those paths
# come later.
#
# ### Exercise 2: the product of forget gates, for every lag
#
# Given the forget-gate values of one run, `f` of shape `(T, H)` with `f[t - 1]` $= f_t$ (so
# `f[-1]` is $f_T$), return an array `P` of shape `(T, H)` whose row `k` is
# $f_T \odot f_{T-1} \odot \dots \odot f_{T-k+1}$, the direct cell path's gradient at lag $k$,
# for $k = 0, \dots, T-1$. Row 0 is all ones (no step back); row 1 is $f_T$; row 2 is
# $f_T \odot f_{T-1}$. `np.cumprod(a, axis=0)` gives the running products down the rows of
# `a`, and `a[::-1]` reverses the rows.


# %%
def cell_path_products(f):
    """Row k = f_T * f_(T-1) * ... * f_(T-k+1) (row 0 = 1), shape (T, H)."""
    # BEGIN SOLUTION
    ones = np.ones((1, f.shape[1]))
    return np.concatenate([ones, np.cumprod(f[::-1], axis=0)[:-1]])
    # END SOLUTION


# %%
ex.check_cell_path_products(cell_path_products)

# %% [markdown]
# The course's `lstm.cell_path_gradient` computes the same products for an LSTM it runs on
# random inputs. It works with logarithms, $\log \prod f = \sum \log f$, because a product of
# hundreds of small numbers can fall below the smallest number a float64 can hold, and it
# summarises the 64 units by their median:

# %%
show_source(lstm.cell_path_gradient)

# %% [markdown]
# ### Exercise 3: predict the cell path at lag 99
#
# Take the LSTM of `cell_path_gradient`: 64 units, forget-gate bias $b_f = 1$, random
# weights of the default size, $T = 100$ steps of random input. **Predict** the median over
# units of the direct cell path back to the first step, lag 99, before you run the check
# (which accepts anything within a factor of 10, on a log scale). Hint: what is a typical
# forget gate, if its pre-activation is the bias plus something small?

# %%
# BEGIN SOLUTION (stub: guess = ...)
guess = float(sigmoid(1.0)) ** 99  # each f is near sigmoid(b_f) = 0.73
# END SOLUTION

# %%
ex.check_cell_path_prediction(guess)

# %% [markdown]
# ### The forget-gate bias against lesson 03's RNN
#
# The slider puts the direct cell path (its median over the 64 units, solid blue) on the
# course's gradient-against-distance figure, next to lesson 03's tanh RNN (64 units,
# spectral radius 0.9; red-orange), for a loss at step $T$. Both start at 1 at lag 0. The dotted line is $\sigma(b_f)^k$, what the product would be if every
# forget gate sat exactly at $\sigma(b_f)$. Controls: the forget-gate bias $b_f$ and the
# sequence length $T$. The title gives the *typical* forget gate, $e^{\overline{\log f}}$
# (the geometric mean over all units and steps, the factor per step that the product
# actually sees); the readout gives the numbers at the first step, lag $T - 1$.
#
# Things to try: $b_f = 0$ (the LSTM does *worse* than the RNN); $b_f = 1$, then 3, then 5;
# a negative bias; $T = 200$ at $b_f = 3$.

# %% tags=["nbval-ignore-output"]
lesson.cell_path_slider()

# %% [markdown]
# The same figure at three biases, for readers without a running kernel:

# %%
lesson.cell_path_sweep()

# %%
print(f"lesson 03's tanh RNN at lag 99: {rnn.gradient_vs_lag(100, 0.9, 'tanh').norms[99]:.0e}")
for bias in (0.0, 1.0, 3.0):
    path = lstm.cell_path_gradient(bias, T=100)
    print(
        f"b_f = {bias:g}: sigmoid(b_f) = {sigmoid(bias):.3f}, typical f = {path.typical_f:.3f}; "
        f"direct cell path at lag 99: median {path.median[99]:.1e} "
        f"(units from {path.low[99]:.0e} to {path.high[99]:.0e}, 10th to 90th percentile)"
    )

# %% [markdown]
# What the slider and the numbers say:
#
# - The typical forget gate is within 0.01 of $\sigma(b_f)$: the bias sets it, and the
#   dotted line follows the measured one closely.
# - At $b_f = 0$ every forget gate is about 0.5 and the cell path at lag 99 is about
#   $10^{-30}$: *smaller* than the RNN's $10^{-25}$. An LSTM whose forget gates sit at 0.5
#   halves what its cell carries, and the gradient along it, at every step.
# - At $b_f = 1$, $f \approx 0.73$, and 99 steps leave about $2 \times 10^{-14}$: eleven
#   orders of magnitude better than the RNN, and still tiny.
# - At $b_f = 3$, $f \approx 0.95$, and the cell path keeps almost a hundredth (0.007) of the
#   gradient over 99 steps.
#
# The architecture does not keep the gradient alive by itself: the forget gates do, when
# they stay near 1. A large comparison of LSTM variants agrees that this gate is the part
# that matters. Greff et al. (2017) trained eight variants on speech, handwriting and music
# (5,400 runs): none improved significantly on the standard LSTM (theirs has peepholes, see
# the history above), and they found "the forget gate and the output activation function"
# (the tanh in $h_t = o_t \odot \tanh(c_t)$) to be "its most critical components"; they
# also report that removing the peephole connections did no significant harm.
#
# ## The whole gradient has more paths than the cell
#
# The direct cell path is not the whole story. $c_{t-1}$ also shapes $h_{t-1}$, which feeds
# the four gates and the candidate of step $t$, which change $c_t$; the chain rule adds all
# these paths. `lstm.full_vs_direct` runs full backpropagation through time
# (`lstm.lstm_step_backward`, step by step) through the *same* LSTM as the slider, for a loss
# $L = r \cdot c_T$ with a random unit vector $r$, and records the size of
# $\partial L/\partial c_{T-k}$ through every path, next to the direct path alone
# ($r \odot f_T \odot \dots \odot f_{T-k+1}$; its size is a norm over the 64 units, so it
# differs a little from the slider's median):

# %%
paths = {bias: lstm.full_vs_direct(bias, T=100) for bias in (0.0, 1.0, 3.0)}
for bias, res in paths.items():
    print(
        f"b_f = {bias:g}: at lag 99, every path {res.full[99]:.1e}, direct cell path "
        f"{res.direct[99]:.1e}; slope per step {res.slope('full'):+.2f} (every path), "
        f"{res.slope('direct'):+.2f} (direct)"
    )
lesson.full_path_figure(paths)

# %% [markdown]
# The whole gradient is far larger than the direct path: at $b_f = 1$, about
# $5 \times 10^{-7}$ against $3 \times 10^{-14}$ at lag 99 (printed above). The other paths
# go through $h$ and the gates, which connect every unit to every other through $W_h$; the
# chain rule adds the contributions of all the paths, and here they add up to far more than
# the direct path alone. Yet the forget bias still sets the pace: the slope of the whole
# gradient is −0.43 per step at $b_f = 0$, −0.12 at $b_f = 1$, and +0.04 at $b_f = 3$, where
# it even grows a little. So *do not read the product of forget gates as the gradient*; read
# it as the part of the gradient that no weight matrix can touch.
#
# **How much reaches the first input?** A last measurement at initialisation, with PyTorch's
# own layers: the tanh RNN, the LSTM at three forget biases, and the GRU of a later section
# (64 units, 8 inputs, batch 32, PyTorch's default initialisation except for the LSTM's
# forget bias, $T = 100$). `lesson.input_gradient_ratio` gives
# $\lVert \partial L/\partial x_1 \rVert / \lVert \partial L/\partial x_{100} \rVert$ for the
# loss $L = \sum h_{100}$:

# %%
ratios = {
    "tanh RNN": lesson.input_gradient_ratio("rnn"),
    "LSTM, b_f = 0": lesson.input_gradient_ratio("lstm", forget_bias=0.0),
    "LSTM, b_f = 1": lesson.input_gradient_ratio("lstm", forget_bias=1.0),
    "LSTM, b_f = 3": lesson.input_gradient_ratio("lstm", forget_bias=3.0),
    "GRU": lesson.input_gradient_ratio("gru"),
}
for label, ratio in ratios.items():
    print(f"{label:>14}: {ratio:.1e}")

# %% [markdown]
# With its forget gates at about 0.5 ($b_f = 0$, close to what PyTorch's default
# initialisation gives, since its two random bias vectors add up to about 0), the LSTM
# passes almost as little to the first input as the tanh RNN: about $2 \times 10^{-20}$
# against $5 \times 10^{-22}$ (printed above). Bias 1 lifts it to about $2 \times 10^{-7}$,
# thirteen orders of magnitude more, and bias 3 to about 5, more than the last input gets.
# Gating is not magic at initialisation.
#
# **Why bias 1.** Jozefowicz, Zaremba & Sutskever (2015) evaluated more than ten thousand
# recurrent architectures and found that adding a bias of 1 to the LSTM's forget gate closed
# the gap between the LSTM and the GRU on their tasks (the idea goes back to Gers et al.
# 2000). This section shows why it helps: small random weights put every forget gate near
# $\sigma(0) = 0.5$, a factor of 0.5 per step along the cell, while bias 1 starts it at
# $\sigma(1) \approx 0.73$. Keras adds 1 by default (`unit_forget_bias=True`); PyTorch does
# not, and the course sets it with `lstm.set_forget_bias`. The best value depends on how long
# the task's dependencies are: 1 is a default, not a law; Tallec & Ollivier (2018) derive the
# biases from the range of time scales the task needs.

# %% [markdown]
# ## Gates on a sentence: a hand-set LSTM that remembers the subject
#
# What do gates look like when they do a job? Take the article's sentence. The course's toy
# vocabulary (`tasks.AGREEMENT_VOCAB`, the words of lesson 06's agreement task) contains
# every word of it, so a word-level LSTM can read it one word per step:

# %%
print(f"{len(tasks.AGREEMENT_VOCAB)} words:", " ".join(tasks.AGREEMENT_VOCAB))
print("the sentence, word by word:", tasks.tokenize(tasks.ARTICLE_SENTENCE))

# %% [markdown]
# `lesson.agreement_lstm` is a two-unit LSTM whose weights were **set by hand, not trained**,
# to carry the subject's number (singular or plural) from the subject to the verb; its
# inputs are one-hot vectors over the 27 words (all zeros except a 1 at the word's index,
# so the word at step $t$ adds its row of $W_x$).
# Unit 0 holds the number; unit 1 is a flag, "a noun has been seen". Every weight that is
# not 0:

# %%
handset = lesson.agreement_lstm()
for row in lesson.weight_rows(handset):
    print(row)

# %% [markdown]
# What each weight does:
#
# - **Write, once.** Unit 0's input gate has bias −5 and gets +10 from every noun, so it
#   opens ($\sigma(5) \approx 0.993$) on a noun and stays shut ($\sigma(-5) \approx 0.007$)
#   otherwise; the −20 from $h_1$ shuts it again once the flag is up. So it opens on the
#   *first* noun only, the subject. Unit 0's candidate gets −3 from a singular noun and +3
#   from a plural one, so the cell receives $i \cdot g = 0.993 \tanh(\mp 3) \approx
#   \mp 0.99$.
# - **Keep.** Both forget gates have bias +10 and nothing else: $f = \sigma(10) \approx
#   0.99995$ at every step, so the cell keeps its value through the whole clause.
# - **Read, at the verb.** Unit 0's output gate has bias −5 and gets +10 from the verbs, so
#   $h_0 = o_0 \tanh(c_0)$ shows the number only at "was" (or "were"); its sign is the
#   answer, negative for singular.
# - **The flag.** Unit 1 writes $\tanh(3)$ on every noun and always shows it (output bias
#   +10), so from the subject on $h_1 \ge 0.76$ and unit 0's input gate stays shut at every
#   later noun, "bowl" included.
#
# The heatmap shows the input, forget and output gates of both units at every word; below,
# unit 0's cell $c_0$ and state $h_0$ for the article's sentence and for its plural twin "The
# cats, which already ate a bowl of milk, were full" (where "bowl" is a noun of the *other*
# number). `lstm.gate_activations` runs the LSTM over the words, one-hot encoded, and keeps
# its gates, cell and state at every step:

# %%
trace = lstm.gate_activations(handset, tasks.tokenize(tasks.ARTICLE_SENTENCE))
twin = lstm.gate_activations(handset, tasks.tokenize(lesson.PLURAL_SENTENCE))
cat, was = trace.tokens.index("cat"), trace.tokens.index("was")
print(
    f"input gate of unit 0 at 'cat': {trace.i[cat, 0]:.3f}; largest elsewhere: "
    f"{np.delete(trace.i[:, 0], cat).max():.3f}"
)
print(
    f"output gate of unit 0 at 'was': {trace.o[was, 0]:.3f}; largest elsewhere: "
    f"{np.delete(trace.o[:, 0], was).max():.3f}"
)
print(f"smallest forget gate in the sentence: {trace.f.min():.5f}")
print(f"after 'cat': c_0 = {trace.c[cat, 0]:+.2f}, flag h_1 = {trace.h[cat, 1]:.2f}")
print(
    f"h_0 at the verb: {trace.h[was, 0]:+.2f} ('cat ... was'), "
    f"{twin.h[was, 0]:+.2f} ('cats ... were')"
)
lesson.gates_figure(trace, twin)

# %% [markdown]
# The input gate of unit 0 opens at "cat" only (0.993), the output gate at "was" only
# (0.993), the forget gates never drop below 0.99995, the cell holds −0.99 from "cat" on,
# and at the verb $h_0$ is −0.75 for "cat" and +0.75 for "cats" (printed above). In the
# figure's bottom panel the cell jumps at the subject and stays flat; $h_0$ is 0 everywhere
# except at the verb. The same weights on
# 500 agreement sequences of lesson 06's task in which *every* noun of the clause has the
# other number, with subject-verb distances from 1 to 60. The answer is the sign of $h_0$ at
# the verb, the last step (positive means plural):

# %%
batch = tasks.agreement_batch(0, 500, (1, 60), attractors=1.0, noun_rate=0.3)
x = np.eye(len(tasks.AGREEMENT_VOCAB))[batch.tokens]  # one-hot words, (T, 500, 27)
hs, _, _ = lstm.lstm_forward(x, None, None, handset)
right = (hs[-1][:, 0] > 0) == (batch.labels == 1)
print(
    f"hand-set LSTM: {right.mean():.0%} of {len(right)} sequences right "
    f"(distances {batch.distances.min()} to {batch.distances.max()})"
)

# %% [markdown]
# All of them (printed above). Now connect it to lesson 03. The gradient of a loss at "was"
# travels back to "cat" along unit 0's cell through 8 forget gates; the RNN of lesson 03 kept
# 0.5 % to 1.3 % of it over the same 8 words (lesson 03's ten random networks; seed 0 below):

# %%
path = trace.f[cat + 1 : was + 1, 0].prod()
print(f"direct cell path from 'was' back to 'cat' ({was - cat} forget gates): {path:.4f}")
rnn_share = rnn.gradient_vs_lag(was + 1, 0.9, "tanh").norms[was - cat]  # loss at 'was'
print(f"lesson 03's tanh RNN, 'was' back to 'cat': {rnn_share:.2%}")

# %% [markdown]
# More than 99.9 % against about 0.5 % (0.46 % here). Two honest caveats. These weights are
# hand-set, with gates pushed to 0 or 1 by weights of size 10 so that the mechanism is
# readable; a trained LSTM spreads the same job over many units, with softer gates (lesson 06
# trains LSTMs on this task; `training.numpy_lstm_params` turns a trained one into weights
# that `lstm.gate_activations` can display). And a hand-set model shows that an LSTM *can*
# represent the solution, not how easily gradient descent finds it: that is what the forget
# bias and the gradient paths above are about.
#
# ## The GRU in brief
#
# The **gated recurrent unit** (门控循环单元, GRU) of Cho et al. (2014) keeps the idea and drops
# the separate cell: it has one state $h_t$ and two gates, an **update gate** $z_t$ and a
# **reset gate** $r_t$. In PyTorch's form (`torch.nn.GRU`):
#
# $$r_t = \sigma(x_t W_{xr} + h_{t-1} W_{hr} + b_r), \qquad
# z_t = \sigma(x_t W_{xz} + h_{t-1} W_{hz} + b_z),$$
#
# $$n_t = \tanh\big(x_t W_{xn} + b_{xn} + r_t \odot (h_{t-1} W_{hn} + b_{hn})\big), \qquad
# h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}.$$
#
# The update gate does the work of both the forget and the input gate: it keeps a fraction
# $z_t$ of the old state and writes $1 - z_t$ of the candidate $n_t$. The reset gate decides
# how much of the old state the candidate may use. Along the direct path $h_{t-1} \to h_t$
# the derivative is $\operatorname{diag}(z_t)$, so the GRU's story is the LSTM's with $z$ in
# the role of $f$. PyTorch's default biases put $z$ near 0.5, and in the first-input table
# above the GRU's $4 \times 10^{-18}$ is far closer to the LSTM's at $b_f = 0$
# than at $b_f = 1$. Cho et al.'s paper applies the reset gate before the matrix product,
# $(r_t \odot h_{t-1}) W_{hn}$; PyTorch, like NVIDIA's cuDNN, applies it after. The
# parameter count is the same. Three blocks instead of four:

# %%
counts = {
    "RNN": lstm.rnn_parameter_count(n_in=16, n_hidden=32),
    "GRU": lstm.gru_parameter_count(n_in=16, n_hidden=32),
    "LSTM": lstm.lstm_parameter_count(n_in=16, n_hidden=32),
}
for name, count in counts.items():
    print(f"{name:>4}: {count:5,d} parameters ({count / counts['RNN']:.0f} x the RNN)")

# %% [markdown]
# For one recurrent layer with 16 inputs and 32 units (lesson 06's model), the GRU has 3 and
# the LSTM 4 times the RNN's parameters (printed above; PyTorch keeps two bias vectors per
# block, so each block has $H(n_\text{in} + H + 2)$). Chung et al. (2014) found the GRU
# "comparable to LSTM" on music and speech modelling; lesson 06 compares all three.

# %% [markdown]
# ## Two charges of the article
#
# The article's list of the LSTM's limits: 训练缓慢 (training is slow, the gates add
# computation), 并行化差 (poor parallelism, sequential processing is a bottleneck) and
# 梯度爆炸:仍然无法逃脱这个根本问题 (exploding gradients: it still cannot escape this basic
# problem). The second is accurate, and lesson 09 is about it. The other two deserve a
# closer look: explosion here, training speed briefly here and in full in lesson 06.
#
# **Exploding gradients.** The direct cell path multiplies by $f_t \in (0, 1)$ at every step,
# so it can only shrink. The other paths run through $h_{t-1}$ into the gates, through
# $W_h$, and *those* can grow like an RNN's. Scale the recurrent weights $W_h$ of the slider's
# LSTM ($b_f = 1$) by 1, 4 and 16, and run full BPTT again:

# %%
runs = {gain: lstm.full_vs_direct(forget_bias=1.0, T=100, gain=gain) for gain in (1.0, 4.0, 16.0)}
for gain, res in runs.items():
    print(
        f"W_h x {gain:>4g}: at lag 99, every path {res.full[99]:.1e}; largest direct cell "
        f"path over all lags {res.direct.max():.2f}"
    )
lesson.explosion_figure(runs)

# %% [markdown]
# With the default weights the whole gradient shrinks (to about $5 \times 10^{-7}$ at lag
# 99); with $W_h$ four times larger it ends near 5, and sixteen times larger it reaches about
# $3 \times 10^{14}$, an explosion. Through it all the direct cell path never exceeds 1
# (printed above).
#
# > **Claim** (the article): the LSTM, "梯度爆炸:仍然无法逃脱这个根本问题": it still cannot
# > escape exploding gradients.
# >
# > **Verdict: half true.** The direct cell path, $\partial c_t / \partial c_{t-1} =
# > \operatorname{diag}(f_t)$ with $0 < f_t < 1$, cannot explode; what the LSTM fixed was
# > *vanishing*, along that path, when the forget gates stay near 1. The paths through
# > $h_{t-1}$ into the gates pass through $W_h$ and can explode under full BPTT (measured
# > above with large recurrent weights). The 1997 LSTM cut those paths by truncating the
# > gradient; modern LSTMs are trained with the full gradient and **clipped** by its global
# > norm, the fix of lesson 04 (Pascanu, Mikolov & Bengio 2013), which the course's
# > training loop applies to every model. In practice explosion is handled this way; it is
# > not the LSTM's main limit.
#
# **Training speed.** Per step, an LSTM computes four blocks where an RNN computes one: four
# times the parameters (printed above), about four times the arithmetic. Whether that makes
# it *slow to train* takes a stopwatch and two numbers: the time of one training step, and
# the number of steps to a solution. Lesson 06 measures both, on three networks trained on
# a long-range task.
#
# > **Claim** (the article): the LSTM trains slowly, "训练缓慢: 多个门造成了计算开销": the
# > gates add computational overhead.
# >
# > **Verdict: misleading.** Per step an LSTM does about four times the arithmetic of an RNN
# > of the same width, but what training costs is time per step × steps to a solution
# > (measured in lesson 06). What is true is that every recurrent network, LSTMs included,
# > takes its $T$ steps one after another: step $t$ needs $h_{t-1}$, so the steps cannot be
# > parallelised over time (Vaswani et al. 2017, Table 1). That, not the gates, is what
# > attention removes.

# %% [markdown]
# ## Summary
#
# - An LSTM step computes input, forget and output gates (sigmoids) and a candidate (tanh)
#   from one matrix product, then $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ and
#   $h_t = o_t \odot \tanh(c_t)$. The numpy LSTM matches `torch.nn.LSTM`, forward and
#   backward, and finite differences, to a relative error far below $10^{-7}$.
# - Along the direct cell path, $\partial c_T / \partial c_{T-k} = f_T \odot \dots \odot
#   f_{T-k+1}$: no weight matrix and no squashing derivative, only forget gates. It cannot
#   explode, and it survives long lags only when $f \approx 1$.
# - The forget-gate bias sets $f \approx \sigma(b_f)$: at 100 steps the cell path goes from
#   about $10^{-30}$ ($b_f = 0$, worse than the RNN) to $10^{-14}$ ($b_f = 1$) to $10^{-2}$
#   ($b_f = 3$). The whole gradient has more paths and is larger, but the bias still sets
#   its pace.
# - History: the 1997 LSTM had input and output gates and a carousel of fixed weight 1,
#   with a truncated gradient; the forget gate came in 2000 (Gers, Schmidhuber & Cummins),
#   the full gradient in 2005 (Graves & Schmidhuber); Jozefowicz, Zaremba & Sutskever
#   (2015) showed how much a forget bias of 1 helps (the idea goes back to Gers et al.), and
#   Greff et al. (2017) found the forget gate and the output activation its most critical
#   components.
# - A hand-set two-unit LSTM writes the subject's number at "cat", keeps it with forget
#   gates of 0.99995, and shows it at "was"; the GRU does the same job with an update and a
#   reset gate and three blocks instead of four.
# - LSTMs can still explode through the paths into the gates (clipping handles it). Whether
#   they train slowly is a matter of time per step × steps to a solution, which lesson 06
#   measures; their real limit is that they are sequential in time.
#
# Next, lesson 06 trains RNNs, LSTMs and GRUs on long-range tasks, measures how accuracy
# falls with distance, and times their training steps.
#
# ## Further reading
#
# - S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", *Neural Computation*
#   9(8): the memory cell, the constant error carousel and the truncated gradient.
# - F. A. Gers, J. Schmidhuber, F. Cummins (2000), "Learning to forget: continual prediction
#   with LSTM", *Neural Computation* 12(10): the forget gate.
# - F. A. Gers, J. Schmidhuber (2000), "Recurrent nets that time and count", *IJCNN*: peephole
#   connections.
# - A. Graves, J. Schmidhuber (2005), "Framewise phoneme classification with bidirectional
#   LSTM and other neural network architectures", *Neural Networks* 18(5-6): the LSTM trained
#   with the full gradient.
# - K. Greff, R. K. Srivastava, J. Koutník, B. R. Steunebrink, J. Schmidhuber (2017), "LSTM: a
#   search space odyssey", *IEEE Transactions on Neural Networks and Learning Systems*
#   28(10): eight variants compared; the forget gate matters most.
# - K. Cho, B. van Merriënboer, Ç. Gülçehre, D. Bahdanau, F. Bougares, H. Schwenk,
#   Y. Bengio (2014), "Learning phrase representations using RNN encoder–decoder for
#   statistical machine translation", *EMNLP*: the gated unit now called the GRU.
# - J. Chung, Ç. Gülçehre, K. Cho, Y. Bengio (2014), "Empirical evaluation of gated recurrent
#   neural networks on sequence modeling", *NIPS Deep Learning Workshop*, arXiv:1412.3555.
# - R. Jozefowicz, W. Zaremba, I. Sutskever (2015), "An empirical exploration of recurrent
#   network architectures", *ICML*: the forget-gate bias of 1.
# - C. Tallec, Y. Ollivier (2018), "Can recurrent neural networks warp time?", *ICLR*:
#   choosing the gate biases from the time scales of a task.
# - C. Olah (2015), "Understanding LSTM networks", colah.github.io: the cell state drawn as
#   a conveyor belt, with the gates as pointwise multiplications.

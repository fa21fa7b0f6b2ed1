# %% [markdown]
# # 04 · Exploding gradients and the partial fixes
#
# > What makes an RNN's gradient explode, and what ReLU, identity initialisation, gradient clipping and normalisation fix (and do not).
#
# Lesson 03 ended with a product: the gradient that reaches a word $k$ steps back carries one
# Jacobian matrix per step, and it shrank exponentially. The same product can also *grow*
# exponentially. The article this course follows calls ReLU, batch normalisation and LSTM
# "似是而非的解决方案", plausible-looking solutions that fall short, and blames ReLU for exploding
# gradients. This lesson measures each of those claims. It finds where a recurrent network
# crosses from vanishing to exploding, what ReLU has to do with it, what an exploding gradient
# does to training (a *cliff* in the loss), the fix that is used in practice (gradient
# clipping), and what batch and layer normalisation repair and what they leave alone.
#
# ## What you will learn
#
# - where an RNN's gradient turns from vanishing to exploding, for each activation, and why ReLU is not the culprit the article makes it;
# - why identity initialisation (IRNN) makes a ReLU RNN's Jacobian exactly the identity, and what an orthogonal $W$ does and does not do;
# - what an exploding gradient looks like in the loss surface (a cliff, whose position you will derive), and how clipping by the global norm (which you will write) tames it, unlike clipping each entry;
# - what batch normalisation computes in training and evaluation mode (you will write it), what it fixes in a deep network, and why neither it nor layer normalisation gives an RNN a memory.
#
# ## Prerequisites
#
# - Lesson 01: the slopes of the activations, σ′ ≤ 1/4, tanh′ ≤ 1, ReLU′ ∈ {0, 1}.
# - Lesson 02: a deep network's gradient is a product of one factor per layer, and vanishes.
# - Lesson 03: the RNN $h_t = \phi(W h_{t-1} + U x_t + b)$ with pre-activation
#   $a_t = W h_{t-1} + U x_t + b$; backpropagation through time, where the gradient
#   $\delta_t = \partial L / \partial h_t$ obeys $\delta_{t-1} = \delta_t J_t$ with the step
#   Jacobian $J_t = \operatorname{diag}(\phi'(a_t))\, W$; the spectral radius $\rho(W)$ (the
#   largest |eigenvalue|), the largest singular value $\sigma_{\max}(W)$, and the bound of
#   Pascanu, Mikolov & Bengio (2013), $\lVert \delta_{T-k} \rVert \le (\gamma\,
#   \sigma_{\max})^k \lVert \delta_T \rVert$ with $\gamma$ the activation's largest slope.

# %%
import numpy as np

from course_utils import clipping, gradient_vs_distance, normalization, rnn
from course_utils.activations import sigmoid, sigmoid_prime
from course_utils.display import say, show_source
from course_utils.env import use_one_thread
from course_utils.exercises import lesson04 as ex
from course_utils.lessons import lesson04 as lesson

use_one_thread()  # small torch models run faster on one thread (used in the last sections)

# %% [markdown]
# ## Across the boundary: from vanishing to exploding
#
# The gradient at lag $k$ (that is, $k$ steps before the loss) is
# $\delta_{T-k} = \delta_T\, J_T J_{T-1} \cdots J_{T-k+1}$. If each Jacobian shrinks the
# gradient a little, the product vanishes; if each *stretches* it a little, the product grows
# like $c^k$ for some $c > 1$: an **exploding gradient** (梯度爆炸). For a linear RNN
# ($\phi(a) = a$, so $J_t = W$) the rate is set by the spectral radius alone: the gradient
# behaves like $\rho^k$, so $\rho = 1$ is the boundary. With an activation, the slopes
# $\phi'(a_t)$ multiply in as well, and the boundary moves.
#
# The slider is lesson 03's figure (64 units, random $W$ rescaled to spectral radius
# $\rho$, random inputs, loss at the last step), now reaching into the exploding regime. The
# vertical axis is logarithmic; the dashed line is the bound $(\gamma\,\sigma_{\max})^k$,
# the dotted one $\rho^k$, the linear RNN's rate. The title names the regime; the readout
# names it too and gives the **measured slope**: the straight-line fit of
# $\log \lVert \delta_{T-k} \rVert$ against $k$ over the second half of the lags (natural
# log, per step; $-0.5$ means each step multiplies the gradient by about $e^{-0.5} \approx
# 0.6$). Values too large for a 64-bit float (above about $1.8 \times 10^{308}$) are drawn as
# ▲ on the top edge and named *overflow*; values that round to exactly 0 as ▼ on the bottom.
#
# Things to try: start at tanh, $\rho = 1$ (vanishing) and drag $\rho$ up until the readout
# says *exploding*; switch to *linear* and find its boundary; then ReLU at $\rho = 4$ with
# $T = 1000$.

# %% tags=["nbval-ignore-output"]
lesson.radius_slider()

# %% [markdown]
# The same figure for the tanh RNN at three radii, for readers without a running kernel:

# %%
lesson.radius_sweep()

# %% [markdown]
# At $\rho = 1$ the tanh gradient vanishes, at $\rho = 2$ it stays nearly level, at
# $\rho = 3$ it explodes. The next cell finds the boundary for each activation: it measures
# the slope (`LagProfile.slope`, the fit of the readout) at radii 0.5, 0.6, …, 4.0 and
# interpolates where it first crosses 0 (`lesson.first_crossing`).

# %%
radii = np.round(np.arange(0.5, 4.001, 0.1), 2)
slopes = {
    activation: np.array([rnn.gradient_vs_lag(100, r, activation).slope() for r in radii])
    for activation in lesson.ACTIVATIONS
}
boundary = {activation: lesson.first_crossing(radii, s) for activation, s in slopes.items()}
for activation, radius in boundary.items():
    where = f"at radius {radius:.2f}" if np.isfinite(radius) else "nowhere up to radius 4"
    print(f"{activation:>8}: the slope turns positive {where}")
print(f"sigmoid's slope at radius 4.0: {slopes['sigmoid'][-1]:+.2f} per step")
lesson.phase_figure(radii, slopes, boundary)

# %% [markdown]
# Each line is one activation; above the grey zero line the gradient explodes, below it
# vanishes, and the dots mark the crossings (printed above):
#
# - **linear**: the boundary is $\rho = 1$, as predicted;
# - **ReLU**: near $\rho = 1.4$. A ReLU passes the gradient of an active unit unchanged
#   (slope 1) and blocks an inactive one (slope 0). About half the units are active, which
#   halves the squared length of the gradient at each step, so $W$ must stretch by about
#   $\sqrt 2 \approx 1.41$ to break even (the same factor 2 that He et al. (2015) build into
#   the initialisation of ReLU networks);
# - **tanh**: near $\rho = 2$. Its slope is 1 only at 0, and the larger $W$ is, the further
#   the pre-activations sit in the flat tails, so the weights must grow well past 1 to win;
# - **sigmoid**: no crossing at all up to $\rho = 4$: with slopes of at most 1/4
#   (Pascanu's $\gamma$) it needs $\sigma_{\max}(W) > 4$ even to *allow* growth.
#
# So the linear, ReLU and tanh networks all explode once $W$ is large enough; the sigmoid, with
# its slopes of at most 1/4, still vanishes at radius 4. Explosion comes from the repeated
# multiplication by $W$; the activation shifts where it starts. And a long sequence turns a
# modest rate into an astronomical number (the slider's readout at $T = 1000$):

# %%
print(f"largest float64: {np.finfo(np.float64).max:.2g}")
for radius, activation in ((3.0, "tanh"), (4.0, "relu")):
    result = gradient_vs_distance.lag_profile(T=1000, radius=radius, activation=activation)
    print(gradient_vs_distance.readout_lag(result))

# %% [markdown]
# The tanh RNN at $\rho = 3$ reaches a gradient of about $10^{96}$ at lag 999, while its
# state stays between −1 and 1. The ReLU RNN at $\rho = 4$ overflows: its *state* passes
# $1.8 \times 10^{308}$, the Jacobians of the steps after that are undefined (so is every
# product containing one), and the slider marks the whole curve with ▲.
#
# ## ReLU: the false prophet?
#
# The article's section "ReLU:虚假的先知" (ReLU: the false prophet) says that ReLU helped
# feed-forward networks (networks without recurrence, like lesson 02's), but
# "由于其无界性,导致了梯度爆炸问题" (being unbounded, it causes exploding gradients),
# especially in RNNs where the same weights are applied again and again. Let us separate the
# two things that can blow up: the **state** $h_T$ (the forward pass) and the **gradient**
# $\partial h_T / \partial h_0 = J_T \cdots J_1$ (the backward pass). `lesson.four_ways` runs one random $W$ (entries drawn from $N(0, 1/H)$,
# $H = 64$ units, $T = 100$ steps, random inputs) four ways:
#
# - tanh with the recurrent matrix $1.5\,W$;
# - ReLU with the same $1.5\,W$;
# - ReLU with $W$ itself;
# - the **IRNN** of Le, Jaitly & Hinton (2015): ReLU with the **identity initialisation**
#   (恒等初始化) $W = I$ (and biases 0); here the input weights are $I$ too and the inputs
#   are made non-negative ($|x_t|$), so that every unit stays active.
#
# For each it reports the final state's norm $\lVert h_T \rVert$ and the norm of the
# Jacobian $\lVert \partial h_T / \partial h_0 \rVert$, its largest singular value: the most
# it can stretch a gradient on its way back through the 100 steps (`rnn.state_and_jacobian_norms`
# multiplies the 100 Jacobians $J_t = \operatorname{diag}(\phi'(a_t))\, W$). Ten random
# draws of $W$ and of the inputs (seeds 0 to 9):

# %%
runs = lesson.activation_runs(range(10))
print(f"{'':>14}{'final state norm':>26}{'Jacobian norm':>26}")
for name in lesson.CONFIGURATIONS:
    state, jac = runs.state[name], runs.jacobian[name]
    print(
        f"{name:>14}{state.min():>12.2g} to {state.max():<9.2g}"
        f"{jac.min():>12.2g} to {jac.max():<9.2g}"
    )
relu = runs.state["ReLU, 1.5 W"]
print(f"spectral radius of 1.5 W: {runs.radius.min():.2f} to {runs.radius.max():.2f}")
print(
    f"ReLU with 1.5 W: state norm above 1e5 in {np.sum(relu > 1e5)} of 10 seeds, "
    f"below 100 in {np.sum(relu < 100)}"
)
print(f"IRNN Jacobian norms exactly 1.0: {bool(np.all(runs.jacobian['IRNN (W = I)'] == 1.0))}")
lesson.activation_figure(runs)

# %% [markdown]
# One dot per seed, on log scales (the grey line marks 1). What the table and the figure say
# (all numbers printed above):
#
# - **tanh with 1.5 W**: the state is bounded (each unit lies in (−1, 1), so
#   $\lVert h \rVert < \sqrt{64} = 8$), and the gradient through 100 steps *vanishes*
#   (between 7e-8 and 2e-5). A bounded activation bounds the state, not the gradient.
# - **ReLU with the same 1.5 W**: $1.5\,W$ has spectral radius between 1.53 and 1.71, a
#   little above the ReLU boundary of about 1.4 found in the previous section. This close to
#   the boundary, the details decide (which units happen to be active, and how the rest of
#   $W$ acts on them): in 5 of the 10 seeds the state passes 1e5, up to 5e10, with a Jacobian
#   as large; in 4 it stays in the tens, and one seed lies in between (the figure). The
#   outcome depends on $W$, not on ReLU alone.
# - **ReLU with W**: the same activation, smaller weights, and the gradient *vanishes*
#   (Jacobian norms from 1e-16 to 3e-12). ReLU's unboundedness does not make it explode.
# - **IRNN**: with $W = I$ and every unit active ($a_t > 0$, so $\phi'(a_t) = 1$), each step
#   Jacobian is $\operatorname{diag}(1, \dots, 1)\, I = I$, and so is their product: the
#   gradient through 100 steps has norm *exactly* 1.0, neither vanishing nor exploding. The
#   state, meanwhile, adds up its inputs and grows steadily (norm about 640).
#
# The IRNN trick is an *initialisation*: training changes $W$, and with inputs of both signs
# some units switch off and zero their rows of the Jacobian. Le, Jaitly & Hinton (2015)
# report that IRNNs trained with it reached results comparable to LSTMs on the adding
# problem, pixel-by-pixel MNIST, language modelling and speech; this lesson only shows what
# the initialisation does to the Jacobian, and does not train one.
#
# > **Myth** (the article, "ReLU:虚假的先知"): ReLU, "由于其无界性,导致了梯度爆炸问题": being
# > unbounded, it causes exploding gradients in RNNs.
# >
# > **Fact**: explosion comes from multiplying by the recurrent matrix again and again when
# > the effective gain per step exceeds 1, *whatever the activation*. The tanh RNN explodes
# > from a spectral radius near 2 (measured above), although tanh is bounded: tanh bounds
# > the state, not the gradient. ReLU's unboundedness lets the *state* blow up along with the
# > gradient, which is a real practical problem, but with smaller weights the same ReLU RNN's
# > gradient vanishes, and with the identity initialisation of Le, Jaitly & Hinton (2015) its
# > Jacobian is exactly the identity. The article's last point stands: no activation function
# > by itself solves long-term dependencies (Bengio, Simard & Frasconi 1994).
#
# ### Other ways to keep each Jacobian near norm 1
#
# The IRNN starts from a $W$ that neither shrinks nor stretches any vector. So does
# **orthogonal initialisation** (正交初始化): start from a random *orthogonal* $W$, one with
# $W^\top W = I$. Saxe, McClelland & Ganguli (2014) proposed it for deep networks, and an RNN
# unrolled in time is a deep network with the same $W$ at every layer. An orthogonal matrix
# turns a vector without changing its length, so all its singular values are 1; a random
# Gaussian $W$ rescaled to spectral radius 1 still stretches some directions and squeezes
# others. `rnn.orthogonal_init` builds one (as `torch.nn.init.orthogonal_` does). The next
# cell compares the two in a linear and a tanh RNN (64 units, $T = 100$ steps, random inputs,
# seed 0) by the largest and the smallest singular value of $\partial h_T / \partial h_0$:
# how much the 100 steps can stretch a gradient on its way back, and how much they can shrink
# one.

# %%
singular = lesson.orthogonal_comparison(seed=0)
for (matrix, activation), values in singular.items():
    print(f"{matrix:>18}, {activation:>6}: largest {values[0]:.2g}, smallest {values[-1]:.2g}")

# %% [markdown]
# In the linear RNN the orthogonal $W$ keeps every direction at length 1, while the random
# $W$ of the same spectral radius stretches one direction by 2.6 and all but erases others
# (2e-18): a gradient would survive along a few directions only. With tanh both vanish
# (largest singular values near 1e-20, printed above): the slopes $\tanh'(a_t) < 1$ multiply
# in at every step, and a $W$ that only keeps lengths cannot make up for them (a larger $W$
# can, as the first section showed, at the risk of exploding). Saxe et al. report that
# orthogonal weights propagate gradients faithfully in nonlinear networks only "as long as
# they operate in a special regime known as the edge of chaos".
#
# Two more ideas from the same family. Arjovsky, Shah & Bengio (2016) keep the matrix
# length-preserving during training, not only at the start: their unitary RNN (uRNN) learns
# "a unitary weight matrix, with eigenvalues of absolute value exactly 1" (unitary is the
# complex-number version of orthogonal; their hidden state is complex). And Pascanu, Mikolov
# & Bengio (2013), whose clipping comes below, fight vanishing in the other half of their
# paper with a soft constraint: a regulariser
# $\Omega = \sum_t \left( \lVert \delta_t J_t \rVert / \lVert \delta_t \rVert - 1 \right)^2$
# that "prefers solutions for which the error preserves norm as it travels back in time",
# along the direction the gradient actually takes rather than in every direction. It does
# not replace clipping: without clipping, they write, "learning usually fails due to
# exploding gradients".
#
# ## What an exploding gradient does to training: the cliff
#
# Pascanu, Mikolov & Bengio (2013, eq. 8 and Fig. 6) looked at the smallest recurrent network
# there is: one unit, with a sigmoid, a recurrent weight $w$ and a bias $b$, started at
# $x_0 = 0.5$ and trained to reach 0.7 after 50 steps:
#
# $$x_t = w\,\sigma(x_{t-1}) + b, \qquad x_0 = 0.5, \qquad L(w, b) = (x_{50} - 0.7)^2.$$
#
# (Their loss is $(\sigma(x_{50}) - 0.7)^2$; ours, on $x_{50}$ itself, makes the wall taller
# without moving it.) `rnn.loss_cliff` computes this loss and its two derivatives on a grid of
# $(w, b)$. Drag $w$ and watch the loss as a function of $b$ (2001 values of $b$ from −8 to
# 2):

# %% tags=["nbval-ignore-output"]
lesson.cliff_slider()

# %% [markdown]
# The loss against $b$ at four values of $w$ (the dashed line marks a wall):

# %%
lesson.cliff_sweep()

# %% [markdown]
# For $w = 3$ and $w = 4$ the loss is a smooth valley. At $w = 5$ and $w = 6$ it has a
# **wall**: at one value of $b$ it jumps, from one neighbouring grid point to the next. (With
# the slider you can see a low wall appear as soon as $w$ passes 4.) The largest jump between
# neighbouring values of $b$:

# %%
for w in (2.0, 3.0, 4.0, 5.0, 6.0, 8.0):
    result = lesson.cliff(w)
    print(
        f"w = {w}: w/4 = {w / 4:.2f}, largest jump {result.jump:6.2f} (near b = {result.wall_b:.2f})"
    )
edge = rnn.loss_cliff([6.0], [-3.2350, -3.2345]).loss[0]
print(f"w = 6: loss {edge[0]:.2f} at b = -3.2350, {edge[1]:.2f} at b = -3.2345")

# %% [markdown]
# No wall up to $w = 4$ (jumps below 0.4), a wall of height 7 at $w = 5$, 11 at $w = 6$: the
# loss falls from 13.19 to 2.03 when $b$ moves by 0.0005 (printed above).
#
# **Why $w = 4$?** After many steps $x_t$ settles at a *fixed point* of the map
# $f(x) = w\,\sigma(x) + b$, a value with $f(x) = x$. The map's slope is $w\,\sigma'(x) \le
# w/4$, since $\sigma' \le 1/4$ (lesson 01). If $w \le 4$ the slope is at most 1, so
# $x - f(x)$ only increases (its derivative $1 - w\,\sigma'(x)$ is never negative), and there
# is exactly one fixed point, which moves smoothly with $b$: no wall. If $w > 4$, then for a
# range of $b$ there are three. Two are stable, *attractors* (吸引子), a low one and a high
# one; between them lies an unstable one, where the map is steeper than 1 and pushes every
# nearby start away. The unstable point is the border between the two **basins of
# attraction** (吸引域): a start above it climbs to the high attractor, a start below it falls
# to the low one. It is the same 1/4 as Pascanu's $\gamma$: a sigmoid unit needs weights above
# $1/\gamma = 4$ for its dynamics to do anything but contract.
#
# **Where the wall stands.** The start $x_0 = 0.5$ stays put, but the border moves: raising
# $b$ lifts the map and slides the unstable point down. The wall is the $b$ at which the
# border passes through $x_0$. Above it $x_t$ heads for the high attractor, below it for the
# low one, and the loss jumps with $x_{50}$. At that $b$, $x_0$ is itself the unstable
# fixed point, which pins down where the wall is.
#
# ### Exercise 1: where is the wall?
#
# Write `wall_bias(w, x0)`: the bias $b^*$ at which $x_0$ is a fixed point of
# $x \mapsto w\,\sigma(x) + b$. It takes one line: write the fixed-point equation with the
# fixed point equal to $x_0$, and solve it for $b$. Use `sigmoid` (imported above from
# `course_utils.activations`), so that `w` may also be a numpy array. (When the map is steeper
# than 1 at $x_0$, $w\,\sigma'(x_0) > 1$, this fixed point is the unstable one, and $b^*$ is
# the wall.)


# %%
def wall_bias(w, x0):
    """The bias b* at which x0 is a fixed point of x -> w sigmoid(x) + b."""
    # BEGIN SOLUTION
    return x0 - w * sigmoid(x0)
    # END SOLUTION


# %%
ex.check_wall_bias(wall_bias)

# %% [markdown]
# Now compare the formula (the course's `rnn.wall_bias`) with the wall that the loss shows,
# located to float64 precision by bisection (`lesson.find_wall`), and with the two values of $b$
# at which a pair of fixed points appears or vanishes, the *saddle-node bifurcations* (鞍结分岔)
# of the map (`rnn.saddle_node_biases`, where a fixed point has slope exactly 1). The last
# column is the map's slope at $x_0$, $w\,\sigma'(x_0)$:

# %%
x0 = 0.5
print(
    f"{'w':>4}{'wall found':>13}{'b*':>13}{'difference':>12}{'saddle-nodes at b':>24}{'slope':>7}"
)
for w in (5.0, 6.0, 8.0):
    wall, b_star = lesson.find_wall(w), rnn.wall_bias(w, x0)
    low, high = rnn.saddle_node_biases(w)
    print(
        f"{w:>4}{wall:>13.6f}{b_star:>13.6f}{abs(wall - b_star):>12.0e}"
        f"{low:>13.3f}{high:>8.3f}   {w * sigmoid_prime(x0):>5.2f}"
    )
print(f"1 / sigma'(x0) = {1 / sigmoid_prime(x0):.2f}")

# %% [markdown]
# The wall stands at $b^*$: within 1e-4 at $w = 5$ and far closer at $w = 6$ and 8 (the
# differences printed; what remains comes from stopping at 50 steps). The saddle-node values
# lie well away from it, on both sides: at the wall no fixed point appears or vanishes. Both
# attractors exist on either side of it; what changes is which basin $x_0$ lies in.
#
# Pascanu, Mikolov & Bengio (2013, §2.2) make exactly this distinction. In their words, Doya
# (1993) "hypothesizes that such bifurcation crossings could cause the gradients to
# explode"; they argue that bifurcations "are global events that can have locally no effect
# and therefore crossing them is neither sufficient nor necessary for the gradients to
# explode", whereas crossing a boundary between basins of attraction "is a local event and
# it is sufficient for the gradients to explode". (Their Fig. 3, after Doya, is the
# bifurcation diagram of a single-unit RNN with recurrent weight 5 and an adjustable bias.)
#
# One corner is left. For $4 < w < 1/\sigma'(x_0) \approx 4.26$ (printed above) the map is
# not steeper than 1 at $x_0$, so $x_0$ can never be the unstable point. There $x_t$ changes
# attractor only where the one it was heading for vanishes: at a saddle-node. After 50 steps
# that jump is too smeared to count as a wall here; the course's tests check it at $w = 4.1$
# with 2000 steps.
#
# **What the gradient does at the wall.** The grid never lands *on* the wall: it is far
# thinner than the grid spacing. Zoom in at $w = 6$ and measure the gradient
# $\nabla L = (\partial L/\partial w, \partial L/\partial b)$ at distance $d$ to the right
# of it:

# %%
wall = lesson.find_wall(6.0)
print(f"w = 6: the wall is at b = {wall:.10f}")
grid = rnn.loss_cliff([6.0], lesson.B_GRID)  # one row: w = 6, every b of the grid
grid_norms = np.hypot(grid.dloss_dw, grid.dloss_db)  # the norm of (dL/dw, dL/db)
print(f"largest gradient norm on the grid of 2001 b values: {grid_norms.max():.1f}")
distances = np.array([1e-2, 1e-4, 1e-6, 1e-8])
zoom = rnn.loss_cliff([6.0], wall + distances)
zoom_norms = np.hypot(zoom.dloss_dw, zoom.dloss_db)
for d, loss, norm in zip(distances, zoom.loss[0], zoom_norms[0], strict=True):
    print(f"  d = {d:.0e}: loss {loss:5.2f}, gradient norm {norm:.2g}")
slope = 6.0 * sigmoid_prime(0.5)
print(f"slope at the wall {slope:.2f}: slope**50 = {slope**50:.1e}, ", end="")
print(f"1 + slope + ... + slope**49 = {(slope**50 - 1) / (slope - 1):.1e}")

# %% [markdown]
# A hundredth away from the wall, the gradient is an ordinary 9; a millionth away it is 2e4,
# and a hundred-millionth away 4e8, where the loss (3.97) is already partway up the wall
# (printed above). Everywhere else the surface is gentle: on the grid the largest gradient
# norm is about 21.
#
# Why so steep? At the wall, $x_0$ is the unstable fixed point, where the map's slope is
# $\lambda = w\,\sigma'(x_0) = 1.41$. Move $b$ by a small $d$ and $x_t$ drifts away from $x_0$:
# each step multiplies the drift so far by $\lambda$ and adds $d$, so after 50 steps it is
# about $d\,(1 + \lambda + \dots + \lambda^{49}) = d\,(\lambda^{50} - 1)/(\lambda - 1)$,
# with $\lambda^{50} \approx 3 \times 10^7$ (printed above). A shift of $b$ by $10^{-8}$
# therefore moves $x_{50}$ by a distance of order 1, which is why the loss at that distance is
# already partway up the wall; and the same sum, about $7 \times 10^7$, is
# $\partial x_{50}/\partial b$ near the wall. That is the exploding gradient: a product of 50
# slopes above 1, as in this lesson's first section.
#
# Now take one step of **gradient descent** from that last point, $\theta \leftarrow \theta -
# \eta \nabla L$ with parameters $\theta = (w, b)$ and a learning rate $\eta = 0.01$ that is
# sensible everywhere else on this surface:

# %%
theta = np.array([6.0, wall + 1e-8])  # (w, b): the zoom's last point
loss, grad = lesson.cliff_point(*theta)  # grad = (dL/dw, dL/db)
(clipped,), _ = clipping.clip_grad_norm([grad], max_norm=25.0)  # the next section's fix
print(f"on the wall: loss {loss:.2f}, gradient norm {np.linalg.norm(grad):.2g}")
for name, g in (("plain step:  ", grad), ("clipped step:", clipped)):
    w, b = theta - 0.01 * g
    print(f"{name} (w, b) -> ({w:.3g}, {b:.3g}), loss {lesson.cliff_point(w, b)[0]:.3g}")

# %% [markdown]
# The plain step throws the parameters to $w \approx 2 \times 10^6$, where the loss is about
# $4 \times 10^{13}$: everything learned so far is gone in one step. The clipped step (next
# section) rescales the gradient to norm 25, just above the largest norm found away from the
# wall, so it moves $(w, b)$ by $0.01 \times 25 = 0.25$, and the loss stays near 4. Clipping
# does not make the step *good*; it stops it from being catastrophic. This is Pascanu et al.'s
# picture: in a recurrent network, exploding gradients show up as steep walls in an otherwise
# smooth loss surface.
#
# ## Gradient clipping
#
# **Gradient clipping** (梯度裁剪) is older than Pascanu, Mikolov & Bengio (2013): Mikolov's
# thesis (2012) already limited the gradient entry by entry (more at the end of this section),
# and they call their rule "similar to the one proposed by Tomas Mikolov". Their version clips
# by norm (Algorithm 1): look at *all* the gradients of a network, $g_1, \dots, g_n$ (one
# array per weight matrix or bias), as one long vector, and compute its **global norm**
#
# $$\lVert g \rVert = \sqrt{\textstyle\sum_{i=1}^{n} \sum_{\text{entries } j} g_{i,j}^2}\,.$$
#
# If $\lVert g \rVert$ exceeds a threshold `max_norm`, multiply *every* array by
# `max_norm` $/ \lVert g \rVert$; otherwise leave the gradients alone. The step keeps its
# direction and gets length at most `max_norm` (times the learning rate).
#
# ### Exercise 2: clip by the global norm
#
# Write `clip_by_global_norm(grads, max_norm)`. `grads` is a list of numpy arrays of any
# shapes; return a *list* of new arrays, one per input array, clipped as described. For
# example, two arrays `[np.array([3.0]), np.array([4.0])]` have global norm 5; with
# `max_norm = 1` they become `[0.6]` and `[0.8]`; with `max_norm = 10` they stay as they are.


# %%
def clip_by_global_norm(grads, max_norm):
    """Rescale a list of arrays so that their global norm is at most max_norm."""
    # BEGIN SOLUTION
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]
    # END SOLUTION


# %%
ex.check_clip_by_global_norm(clip_by_global_norm)

# %% [markdown]
# The course's version, `clipping.clip_grad_norm`, follows PyTorch exactly (it divides by
# `total_norm + 1e-6`, which changes nothing visible, and also returns the norm before
# clipping so that you can watch it during training):

# %%
show_source(clipping.clip_grad_norm)

# %% [markdown]
# It agrees with `torch.nn.utils.clip_grad_norm_`, the function PyTorch users call, on three
# random gradient arrays whose global norm is far above the threshold:

# %%
show_source(lesson.torch_clip_comparison)

# %%
same = lesson.torch_clip_comparison(max_norm=1.0, seed=0)
print(f"global norm before clipping: {same.norm_before:.2f} (torch: {same.torch_norm_before:.2f})")
print(f"global norm after clipping: {same.norm_after:.6f}")
print(f"largest difference between numpy and torch: {same.max_difference:.1e}")

# %% [markdown]
# **Element-wise clipping is different.** Karpathy's well-known character-level RNN in numpy
# (min-char-rnn, 2015) clips each entry instead: `np.clip(dparam, -5, 5, out=dparam)`. That
# cuts the big entries and keeps the small ones, so it changes the *direction* of the
# gradient. The cosine of the angle between two gradients (1 means the same direction) tells
# by how much. On the gradient at the wall:

# %%
(by_entry,) = clipping.clip_elementwise([grad], 5.0)
print(f"raw gradient (dL/dw, dL/db): ({grad[0]:.3g}, {grad[1]:.3g})")
print(
    f"norm-clipped at 25:  ({clipped[0]:.3g}, {clipped[1]:.3g}), "
    f"cosine with the raw gradient {clipping.cosine([grad], [clipped]):.6f}"
)
turned = clipping.cosine([grad], [by_entry])
print(
    f"element-wise at 5:   ({by_entry[0]:.3g}, {by_entry[1]:.3g}), "
    f"cosine {turned:.3f} ({np.degrees(np.arccos(turned)):.0f} degrees), "
    f"norm {np.linalg.norm(by_entry):.2f}"
)

# %% [markdown]
# Norm clipping keeps the direction exactly (cosine 1.000000); element-wise clipping turns
# both entries into −5, whatever their ratio, so the step points along the diagonal (cosine
# 0.974, 13 degrees off) and its length is $5\sqrt 2 \approx 7.07$. With many
# parameters, every entry that is cut loses its share: the step follows the *signs* of the
# gradient rather than the gradient, and its length can grow with the square root of the
# number of parameters.
#
# ### Training with and without clipping
#
# A real training run: a tanh RNN with 32 units reads sequences of 10 steps for the **adding
# problem** (a simplified form of a task of Hochreiter & Schmidhuber 1997): each step gives a
# number between 0 and 1 and a marker (0 or 1); two steps are marked, and the target is the
# sum of their two numbers.
# Always answering 1 gives a mean squared error (MSE) of 1/6. The recurrent matrix starts
# large: its entries are drawn from $N(0, 9/H)$ with $H = 32$, three times the spread of the
# $W$ of the ReLU section (we say *gain 3*), which puts its spectral radius well past the tanh
# boundary found above. Plain stochastic gradient descent with learning rate 0.1 takes 300
# steps, each on a fresh batch of 64 sequences, in four ways: no clipping; norm clipping at 1;
# element-wise clipping at $1/\sqrt{P}$, where $P = 1153$ is the number of parameters; and
# element-wise clipping at 5, min-char-rnn's bound. A fair comparison gives both rules the
# same largest step: clipping every entry at $c$ allows a step of norm up to $c\sqrt{P}$, so
# $c = 1/\sqrt{P}$ matches norm clipping at 1, while $c = 5$ allows steps $5\sqrt{P} \approx
# 170$ times as long. Five seeds each (this cell takes a few seconds):

# %%
clip_runs = lesson.clipping_runs(range(5))
print(f"P = {clipping.adding_rnn_size()}: element-wise bound {lesson.EQUAL_STEP:.4f}")
for name, results in clip_runs.items():
    overflowed = sum(r.diverged for r in results)
    finals = np.array([r.losses[-50:].mean() for r in results])
    peaks = np.array([r.grad_norms.max() for r in results])
    print(
        f"{name}: overflowed in {overflowed} of 5; largest gradient norm {peaks.min():.3g} "
        f"to {peaks.max():.3g}; final MSE {finals.min():.3g} to {finals.max():.3g}"
    )
lesson.training_figure(clip_runs)

# %% [markdown]
# (The final MSE is the mean over the last 50 steps; for a run that overflowed, over its last
# 50 finite steps. The figure shows seed 0 on log scales: the loss on the left, the gradient
# norm before clipping on the right; ▲ marks an overflow, a number past
# $1.8 \times 10^{308}$.) What happened, in this run of the cell:

# %%
say(
    "Without clipping, {plain}. With norm clipping at 1, {norm}; with element-wise clipping "
    "at 1/√P, {equal}; at 5, {five}.",
    plain=lesson.clipping_outcome(clip_runs["no clipping"]),
    norm=lesson.clipping_outcome(clip_runs["norm clipping at 1"]),
    equal=lesson.clipping_outcome(clip_runs["element-wise at 1/sqrt(P)"]),
    five=lesson.clipping_outcome(clip_runs["element-wise at 5"]),
)

# %% [markdown]
# Without clipping the loss runs away in most seeds (where exactly a run overflows depends on
# the seed, and even on the CPU's floating-point kernels: such runs are chaotic). The large
# recurrent weights make the first gradients large; a few full-length steps overshoot, the
# error grows, the next gradient is larger still, and the two feed each other until the
# numbers overflow. Either clipping rule, at the same largest step, keeps every run finite.
# Element-wise clipping even ended a little lower than norm clipping in each of the eight
# seeds we tried (with two builds of numpy's floating-point kernels), although it turns the
# direction: at this threshold it clips almost every entry, so it follows the *signs* of the
# gradient, a rule that also works (it is the idea behind signSGD, Bernstein et al. 2018).
# In practice both were used: element-wise limits by Mikolov (2012, who kept the errors
# back-propagated into the hidden units within $[-15, 15]$) and Graves (2013, who clipped
# the LSTM's derivatives to a range), norm clipping by Pascanu, Mikolov & Bengio (2013),
# which shortens the step and keeps its direction. What went wrong in min-char-rnn's
# setting is the threshold, not the rule: 5 per entry allows a step about 170 times as long, and those runs end with a far
# larger MSE (above).
#
# Look at the clipped runs' MSE again: it ends near 1/6 ≈ 0.167, the error of always answering
# 1. In these 300 steps the network did not learn to remember the two marked numbers: clipping
# prevents the catastrophe, it does not create memory. Memory is the
# subject of lessons 05 and 06.
#
# ## Batch normalisation: the classroom, made precise
#
# The article's other "fix" is batch normalisation, with a metaphor: it makes sure that the
# pupils in every classroom are calm and focused before the teacher arrives, but calming
# them now does not help a pupil remember a lesson from ten classes ago. It then says batch
# norm standardises the data to a mean near 0 and a standard deviation near 1. Here is what
# **batch normalisation** (批量归一化, BN; Ioffe & Szegedy 2015) actually computes, for a batch
# $x$ of $n$ examples (rows) and $d$ features (columns):
#
# 1. for **each feature** $j$, over **the batch**: the mean $\mu_j = \frac1n \sum_i x_{ij}$
#    and the variance $\sigma_j^2 = \frac1n \sum_i (x_{ij} - \mu_j)^2$;
# 2. standardise: $\hat x_{ij} = (x_{ij} - \mu_j) / \sqrt{\sigma_j^2 + \varepsilon}$, with a
#    small $\varepsilon$ (say $10^{-5}$) so that a constant feature does not divide by 0;
# 3. rescale with a **learned** scale $\gamma_j$ and shift $\beta_j$ (trained like weights):
#    $y_{ij} = \gamma_j \hat x_{ij} + \beta_j$.
#
# (Two letters do double duty, because each paper's notation is the standard one: here
# $\gamma_j$ is batch norm's learned scale, not Pascanu's bound $\gamma$ on the slope, and
# $\sigma_j$ is a standard deviation, neither the sigmoid nor a singular value.)
#
# The classroom metaphor, made precise: each feature is "calmed" separately, using only the
# statistics of the current batch, and then the network is free to choose each feature's new
# mean $\beta_j$ and spread $\gamma_j$: the outputs are *not* forced to mean 0 and standard
# deviation 1. A batch of 256 examples with two features on very different scales, before
# and after (`normalization.batchnorm_forward`, in training mode; its last two arguments are
# the running statistics, which the next section explains):

# %%
rng = np.random.default_rng(0)
x = lesson.two_features(rng, 256)  # feature 1 ~ N(50, 10^2), feature 2 ~ N(-2, 0.5^2)
ones, zeros = np.ones(2), np.zeros(2)
standard = normalization.batchnorm_forward(x, ones, zeros, zeros, ones).y  # gamma 1, beta 0
gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
learned = normalization.batchnorm_forward(x, gamma, beta, zeros, ones).y
for label, values in (
    ("raw x", x),
    ("BN, gamma = 1, beta = 0", standard),
    ("BN, gamma = (2, 0.5), beta = (1, -1)", learned),
):
    mean, std = values.mean(axis=0).round(2) + 0.0, values.std(axis=0)  # + 0.0: no "-0.00"
    print(
        f"{label:>37}: means ({mean[0]:6.2f}, {mean[1]:6.2f}), stds ({std[0]:6.3f}, {std[1]:6.3f})"
    )
lesson.bn_figure(x, standard, learned)

# %% [markdown]
# Each feature comes out with mean $\beta_j$ and standard deviation $\gamma_j$ (printed
# above; up to a hair, because of $\varepsilon$). The shape of the cloud is unchanged: batch
# norm shifts and rescales each axis, nothing more.
#
# **Training and evaluation.** A trained network must also work on one example at a time,
# where there is no batch to average over. So during training batch norm keeps **running
# statistics**, one mean and one variance per feature, updated after every batch:
#
# $$\text{new} = (1 - m)\cdot\text{old} + m \cdot \text{batch statistic},$$
#
# with a *momentum* $m$ (PyTorch's default is 0.1; note that here $m$ weighs the *new*
# value). Following PyTorch's `torch.nn.BatchNorm1d`, the running variance tracks the
# *unbiased* batch variance $\frac{1}{n-1} \sum_i (x_{ij} - \mu_j)^2$, although the batch
# itself is normalised with the $\frac1n$ one. In evaluation mode, batch norm normalises with
# the running statistics instead, and leaves them unchanged.
#
# ### Exercise 3: batch normalisation with running statistics
#
# Write `batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps,
# training)`. `x` has shape (batch, features); `gamma`, `beta`, `running_mean` and
# `running_var` have shape (features,). Return a tuple `(y, new_running_mean,
# new_running_var)`:
#
# - if `training` is true: `y` from the batch's own mean and biased variance (steps 1 to 3
#   above), and the running statistics updated with `momentum` (the variance with the
#   unbiased batch variance; `np.var(x, axis=0, ddof=1)` computes it);
# - otherwise: `y = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta`, and the
#   running statistics returned unchanged.


# %%
def batchnorm_forward(
    x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5, training=True
):
    """Batch norm of x (batch, features); returns (y, new_running_mean, new_running_var)."""
    # BEGIN SOLUTION
    if not training:
        y = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return y, running_mean.copy(), running_var.copy()
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return y, new_mean, new_var
    # END SOLUTION


# %%
ex.check_batchnorm_forward(batchnorm_forward)

# %% [markdown]
# The course's version (tested against `torch.nn.BatchNorm1d` in both modes):

# %%
show_source(normalization.batchnorm_forward)

# %% [markdown]
# Feed it 100 training batches of 32 examples from the distribution of the figure
# (feature 1 with mean 50 and standard deviation 10, feature 2 with mean −2 and standard
# deviation 0.5), starting from running statistics 0 and 1. The running statistics approach
# the population's, and evaluation mode can then normalise a single example:

# %%
rng = np.random.default_rng(0)
running_mean, running_var = zeros, ones
for _ in range(100):
    batch = lesson.two_features(rng, 32)
    _, running_mean, running_var = normalization.batchnorm_forward(
        batch, ones, zeros, running_mean, running_var, momentum=0.1
    )
example = np.array([[60.0, -2.5]])
y, _, _ = normalization.batchnorm_forward(
    example, ones, zeros, running_mean, running_var, training=False
)
print(
    f"running mean after 100 batches: ({running_mean[0]:.2f}, {running_mean[1]:.2f})"
    f"   population: (50, -2)"
)
print(f"running variance: ({running_var[0]:.1f}, {running_var[1]:.3f})   population: (100, 0.25)")
print(f"one example {example[0]} -> evaluation-mode output {np.round(y[0], 3)}")

# %% [markdown]
# The estimates, (50.40, −2.00) and (104.2, 0.230), are close to the population's but not
# equal: each update keeps 90 % of the old value, so the running statistics mostly reflect
# the last ten or so batches of 32. In evaluation mode the example (60, −2.5), about one
# standard deviation above the mean in feature 1 and one below in feature 2, comes out near
# (0.94, −1.05), and it would come out the same in any batch, or alone.

# %% [markdown]
# **What batch norm fixes: depth.** Lesson 02's deep sigmoid network loses its gradient
# layer by layer. Here is a 10-layer sigmoid network (width 128) at initialisation, with and
# without a batch-norm step before each sigmoid, and the norm of the gradient reaching each
# layer's weights (Ioffe & Szegedy 2015 introduced batch norm for deep networks; their
# abstract names saturating nonlinearities, such as the sigmoid, among the difficulties):

# %%
norms = {
    bn: [normalization.mlp_layer_grad_norms("sigmoid", bn, seed=s) for s in range(5)]
    for bn in (False, True)
}
ratio = {bn: [n[0] / n[-1] for n in runs] for bn, runs in norms.items()}  # layer 1 / layer 10
print(
    f"layer 1 / layer 10 gradient, seeds 0-4: without BN {min(ratio[False]):.1g} to "
    f"{max(ratio[False]):.1g}, with BN {min(ratio[True]):.2f} to {max(ratio[True]):.2f}"
)
lesson.mlp_figure(norms[False][0], norms[True][0])

# %% [markdown]
# Without batch norm the first layer receives about $10^{-8}$ of what the last one does
# (between 4e-9 and 6e-8 over five seeds, printed above); with it, between 0.37 and 0.68: the
# gradient reaches every layer. Standardising each layer's input to the sigmoid keeps it in
# the sigmoid's steep middle, and dividing by the batch's standard deviation makes each
# layer's backward factor independent of the size of its weights (roughly: the full story is
# subtler). Ioffe & Szegedy report reaching the same accuracy "with 14 times fewer
# training steps" on image classification.
#
# **What it does not fix: memory.** An RNN's gradient through time is still
# $\delta_{T-k} = \delta_T\, J_T \cdots J_{T-k+1}$: normalising each step changes what each
# Jacobian is, not the fact that there are $k$ of them. And batch norm is awkward in an RNN
# anyway: the statistics differ from one time step to the next, sequences have different
# lengths, and at test time a sequence may be longer than any seen in training. Cooijmans et
# al. (2016) made it work inside LSTMs with separate statistics for each time step, and found
# that the scale $\gamma$ had to start small (0.1) rather than at 1.
#
# The sequence-friendly variant is **layer normalisation** (层归一化, Ba, Kiros & Hinton
# 2016): the same three steps, but over the **features of one example** instead of over the
# batch, $\mu_i = \frac1d \sum_j x_{ij}$ for each row $i$. It needs no batch, computes the
# same thing in training and evaluation, and applies at every time step as it is
# (`normalization.layernorm_forward`, tested against `torch.nn.LayerNorm`); it is the
# normalisation of the Transformer (lesson 09). So put it inside a tanh RNN,
# $h_t = \tanh(\mathrm{LN}(W h_{t-1} + U x_t))$, and measure the gradient against the lag, as
# in the first section. The RNN has 16 units, $T = 100$, and recurrent weights of gain 1 or
# gain 4 (entries from $N(0, g^2/16)$ with $g = 1$ or 4); PyTorch's autograd computes the
# gradients:

# %%
curves = {
    (gain, ln): normalization.rnn_lag_gradients(layernorm=ln, gain=gain)
    for gain in (1.0, 4.0)
    for ln in (False, True)
}
for gain in (1.0, 4.0):
    plain_curve, ln_curve = curves[gain, False], curves[gain, True]
    print(
        f"gain {gain:g}: lag 50 gradient {plain_curve[50]:.1e} plain, {ln_curve[50]:.1e} with LN;"
        f" lag 99 {plain_curve[99]:.1e} plain, {ln_curve[99]:.1e} with LN;"
        f" largest with LN {ln_curve.max():.2f}"
    )
for gain, ln in ((1.0, False), (1.0, True)):
    slope = rnn.decay_rate(np.arange(100), curves[gain, ln])
    print(f"gain 1, {'with' if ln else 'without'} LN: slope {slope:+.2f} per step")
lesson.layernorm_figure(curves)

# %% [markdown]
# With recurrent gain 1 (left), layer norm does not help at all: the gradient 50 steps back is
# 2e-14 with it and 6e-13 without (slopes −0.77 and −0.61 per step, printed above). With
# gain 4 (right), the plain RNN's gradient explodes to $2 \times 10^8$ at lag 99, while with
# layer norm it never exceeds 2.3. Layer norm divides each pre-activation vector by its own
# standard deviation, so a large $W h_{t-1}$ is scaled back down: the size of $W$ no longer
# sets the size of each step's signal. Ba et al. found it "very effective at stabilizing the
# hidden state dynamics in recurrent networks". It does not make the network remember: the
# product of $k$ Jacobians still shrinks (to 5e-3 at lag 99 here, and far faster at gain 1).
#
# > **Claim** (the article): batch normalisation "只能...稳定训练,但不能解决记忆问题": it
# > only stabilises training and cannot solve the memory problem.
# >
# > **Verdict: accurate.** Batch norm standardises each feature over the batch and then
# > applies a learned scale and shift; it carries nothing from one time step to the next, so
# > it gives the network no memory, and the gradient through time remains a product of one
# > Jacobian per step (layer norm's vanishes at −0.77 per step above). Two things to add.
# > The training it stabilises is that of deep networks (Ioffe & Szegedy 2015): in
# > our 10-layer sigmoid network it lifts the first layer's gradient from about 1e-8 of the
# > last layer's to between 0.37 and 0.68. And it is awkward in RNNs (per-time-step
# > statistics, variable lengths); layer normalisation (Ba, Kiros & Hinton 2016) is the
# > variant that fits sequences, and it stops the explosion shown above without stopping the
# > vanishing.

# %% [markdown]
# ## Summary
#
# - An RNN's gradient at lag $k$ is a product of $k$ Jacobians $\operatorname{diag}(\phi')W$;
#   it explodes when the typical stretch per step exceeds 1. Measured boundaries: spectral
#   radius 1 (linear), about 1.4 (ReLU), about 2 (tanh), none up to 4 (sigmoid).
# - ReLU is not the cause: the same ReLU RNN vanishes with smaller weights, tanh explodes
#   with larger ones, and the IRNN's identity initialisation makes every Jacobian exactly $I$.
#   tanh bounds the state, not the gradient.
# - Orthogonal initialisation (and the uRNN's unitary matrix) keeps $W$'s share of every
#   Jacobian at norm 1 in every direction; the activation's slopes still multiply in.
# - Exploding gradients make walls in the loss surface. For a one-unit sigmoid RNN they need
#   $w > 4$ (two attractors), and the wall is where the border between their basins crosses
#   the start: $b^* = x_0 - w\,\sigma(x_0)$, not a saddle-node bifurcation. A step on the
#   wall throws the parameters away.
# - **Gradient clipping** by global norm (Pascanu et al. 2013) rescales the whole gradient
#   when its norm exceeds a threshold: same direction, bounded step. It keeps training
#   finite; it does not create memory. Element-wise clipping changes the direction.
# - **Batch norm** standardises each feature over the batch, then applies learned $\gamma$,
#   $\beta$; running statistics serve evaluation. It rescues a deep sigmoid network's
#   gradient. **Layer norm** standardises each example and suits RNNs; it stops the explosion,
#   but the gradient through time still vanishes.
#
# Next, lesson 05 changes the product itself: the LSTM's cell state adds instead of
# multiplying by $W$, so its gradient can travel far.
#
# ## Further reading
#
# - R. Pascanu, T. Mikolov, Y. Bengio (2013), "On the difficulty of training recurrent neural
#   networks", *ICML*: exploding gradients, basins of attraction and bifurcations (§2.2), the
#   cliff (§2.3), clipping by norm (Algorithm 1) and a regulariser against vanishing (§3.3).
# - K. Doya (1993), "Bifurcations of recurrent neural networks in gradient descent learning",
#   as cited by Pascanu et al. (*IEEE Transactions on Neural Networks*; we have not checked
#   its text): the bifurcation hypothesis.
# - A. M. Saxe, J. L. McClelland, S. Ganguli (2014), "Exact solutions to the nonlinear
#   dynamics of learning in deep linear neural networks", *ICLR* (arXiv:1312.6120): random
#   orthogonal initialisation.
# - M. Arjovsky, A. Shah, Y. Bengio (2016), "Unitary evolution recurrent neural networks",
#   *ICML* (arXiv:1511.06464): the uRNN.
# - Q. V. Le, N. Jaitly, G. E. Hinton (2015), "A simple way to initialize recurrent networks
#   of rectified linear units", arXiv:1504.00941: the IRNN.
# - S. Ioffe, C. Szegedy (2015), "Batch normalization: accelerating deep network training by
#   reducing internal covariate shift", *ICML*.
# - J. L. Ba, J. R. Kiros, G. E. Hinton (2016), "Layer normalization", arXiv:1607.06450.
# - T. Cooijmans, N. Ballas, C. Laurent, Ç. Gülçehre, A. Courville (2016), "Recurrent batch
#   normalization", *ICLR* 2017 (arXiv:1603.09025).
# - S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", *Neural Computation*
#   9(8): the adding problem among its long-lag tasks.
# - Y. Bengio, P. Simard, P. Frasconi (1994), "Learning long-term dependencies with gradient
#   descent is difficult", *IEEE Transactions on Neural Networks* 5(2).
# - A. Karpathy (2015), min-char-rnn.py, a GitHub gist: a minimal character-level RNN in
#   numpy, with element-wise clipping.
# - T. Mikolov (2012), *Statistical language models based on neural networks*, PhD thesis,
#   Brno University of Technology (section 3.2.2: errors limited to a range).
# - A. Graves (2013), "Generating sequences with recurrent neural networks",
#   arXiv:1308.0850: LSTM derivatives clipped to a range.
# - J. Bernstein, Y.-X. Wang, K. Azizzadenesheli, A. Anandkumar (2018), "signSGD: compressed
#   optimisation for non-convex problems", *ICML*.

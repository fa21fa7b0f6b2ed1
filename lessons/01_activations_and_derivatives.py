# %% [markdown]
# # 01 · Activations and their derivatives
#
# > How steep can sigmoid and tanh be? Derivatives three ways, the exact bounds 1/4 and 1,
# > and saturation.
#
# In lesson 00 a gradient was a product of many factors, and 50 factors of 0.9 left almost
# nothing. Where do those factors come from? Every layer of a network, and every step of a
# recurrent network, passes its signal through an **activation function** (激活函数), and
# the chain rule puts that function's **derivative** (导数) into the product. The article
# this course checks says of sigmoid and tanh that "their derivatives are always less than
# 1" (它们的导数始终小于1). This lesson finds out exactly how large these derivatives can
# be, how large they *typically* are, and how to compute a derivative you can trust.
#
# ## What you will learn
#
# - what sigmoid, tanh, ReLU and leaky ReLU compute, and how to evaluate the sigmoid without overflow;
# - three ways to a derivative: by hand, by central finite differences (and how to choose the step h), and by automatic differentiation in PyTorch;
# - the exact bounds σ′ ≤ 1/4 and tanh′ ≤ 1, each reached only at 0, and what saturation is;
# - why typical derivatives, and the weights, matter more than the largest derivative.
#
# ## Prerequisites
#
# Lesson 00. From calculus: the derivative, the chain rule for $f(g(x))$, and the
# exponential function. A little NumPy helps (arrays, and operations such as `np.exp` that
# act on every entry of an array); we explain what we use.

# %% [markdown]
# ## Where the activation function sits
#
# A unit (a "neuron") of a network receives numbers $u_1, \dots, u_n$, forms the weighted
# sum $a = w_1 u_1 + \dots + w_n u_n + b$ with its weights $w_i$ and bias $b$, and outputs
# $h = f(a)$. The weighted sum $a$ is the **pre-activation**; $f$ is the activation
# function. Without $f$ a network would be a chain of linear maps, which is itself one
# linear map: stacking layers would add nothing.
#
# Training needs the **gradient** (梯度) of the loss: the derivatives of the loss with
# respect to every weight. By the **chain rule** (链式法则), $\partial h / \partial w_i =
# f'(a)\, u_i$: every path through the unit picks up a factor $f'(a)$. Along a path through
# 50 layers, or 50 steps of a recurrent network, 50 such factors multiply (together with
# the weights along the path): the product of lesson 00. So the size of $f'$ matters. In
# the code and figures below, the input of $f$ is called $x$.
#
# ## Four activation functions
#
# - **sigmoid** (the logistic function): $\sigma(x) = 1 / (1 + e^{-x})$, with values in
#   $(0, 1)$;
# - **tanh**: $\tanh(x) = (e^{x} - e^{-x}) / (e^{x} + e^{-x})$, with values in $(-1, 1)$.
#   It is a stretched and shifted sigmoid: $\tanh(x) = 2\sigma(2x) - 1$;
# - **ReLU**, the rectified linear unit: $\max(x, 0)$. The rectifier is older than its fame
#   (Fukushima 1969; Hahnloser et al. 2000; rectifying layers in Jarrett et al. 2009); Nair &
#   Hinton (2010) popularised it in deep learning;
# - **leaky ReLU** (Maas, Hannun & Ng 2013): $x$ for $x > 0$ and $0.01\,x$ otherwise (0.01
#   is also PyTorch's default slope).
#
# The course's code holds all four and their derivatives, in `course_utils.activations`:

# %%
import numpy as np

from course_utils import activations
from course_utils.activations import leaky_relu, relu, sigmoid, tanh
from course_utils.lessons import lesson01 as lesson

print("x          :", np.array([-2.0, 0.0, 1.5]))
for f in (sigmoid, tanh, relu, leaky_relu):
    print(f"{f.__name__:<11}:", f(np.array([-2.0, 0.0, 1.5])))
lesson.activation_gallery()

# %% [markdown]
# On the left, sigmoid and tanh flatten out on both sides, while ReLU and leaky ReLU are
# straight lines on each side of 0 (leaky ReLU is dashed; its slope of 0.01 on the left is
# too small to see). On the right are their derivatives, which we derive below: the
# sigmoid's peaks at 1/4 (dotted line) and tanh's at 1, both at $x = 0$, and both fall
# towards 0 away from it; ReLU's jumps from 0 to 1.
#
# ## Computing the sigmoid without overflow
#
# NumPy stores numbers in a fixed format, its **dtype**: by default float64 (about 16
# significant digits), or float32 (about 7 digits, common in deep learning because it
# halves memory and time). A float64 number cannot exceed about $1.8 \times 10^{308}$, so
# $e^{x}$ overflows to `inf` ("infinity") once $x$ passes about 709.8; in float32 it
# overflows past about 88.7 (both printed below). The textbook formula $1/(1 + e^{-x})$
# at $x = -800$ therefore computes $e^{800}$. Watch what two formulas, equal on paper, do
# with it:

# %%
for dtype in (np.float64, np.float32):
    largest = np.finfo(dtype).max
    print(
        f"largest {dtype.__name__}: {largest:.3g}, so exp(x) overflows beyond x = "
        f"{np.log(largest):.1f}"
    )

x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
with np.errstate(over="ignore", invalid="ignore"):  # hide numpy's warnings; look at values
    print("exp(-x)               :", np.exp(-x))
    print("1 / (1 + exp(-x))     :", 1 / (1 + np.exp(-x)))
    print("exp(x) / (1 + exp(x)) :", np.exp(x) / (1 + np.exp(x)))
print("course_utils sigmoid  :", sigmoid(x))

# %% [markdown]
# The first formula gives the right values only by luck: $1/(1 + \infty) = 0$, after
# forming `inf` and making numpy warn "overflow encountered in exp". The second, equal on
# paper, gives `nan` (not a number) at $x = 800$, because $\infty / \infty$ is undefined.
# The course's `sigmoid` never computes $e$ to a positive power:

# %%
from course_utils.display import show_source

show_source(sigmoid)

# %% [markdown]
# For $x \ge 0$ it uses $1/(1 + e^{-x})$; for $x < 0$ it multiplies top and bottom by
# $e^{x}$, giving $e^{x}/(1 + e^{x})$. In both cases the only exponential is
# $e^{-|x|} \le 1$, which cannot overflow (for huge $|x|$ it rounds to 0, and the result
# to the correct limit 0 or 1). `np.where(condition, a, b)` takes `a` where the condition
# holds and `b` elsewhere; it computes both everywhere, which is safe because neither can
# overflow.
#
# ## Derivatives by hand
#
# **Sigmoid.** Write $\sigma(x) = (1 + e^{-x})^{-1}$: an outer function $v \mapsto v^{-1}$
# of the inner $v = 1 + e^{-x}$, whose derivative is $-e^{-x}$. The chain rule gives
#
# $$\sigma'(x) = -(1 + e^{-x})^{-2} \cdot (-e^{-x}) = \frac{e^{-x}}{(1 + e^{-x})^2}
#   = \frac{1}{1 + e^{-x}} \cdot \frac{e^{-x}}{1 + e^{-x}} = \sigma(x)\,\bigl(1 - \sigma(x)\bigr),$$
#
# because $1 - \sigma(x) = e^{-x}/(1 + e^{-x})$.
#
# **tanh.** Since $\tanh = \sinh / \cosh$, the quotient rule and $\cosh^2 - \sinh^2 = 1$
# give $\tanh'(x) = (\cosh^2 x - \sinh^2 x)/\cosh^2 x = 1 - \tanh(x)^2$. (Equivalently,
# from $\tanh(x) = 2\sigma(2x) - 1$ and the chain rule, $\tanh'(x) = 4\sigma'(2x)$.)
#
# **ReLU and leaky ReLU.** Their derivatives are 1 for $x > 0$, and 0 (ReLU) or 0.01
# (leaky ReLU) for $x < 0$. At $x = 0$ there is no derivative, since the slopes on the two
# sides differ; software picks a value. PyTorch, and this course, use the left slope: 0
# for ReLU and 0.01 for leaky ReLU.
#
# ### Exercise 1: the sigmoid's derivative
#
# Write `sigmoid_prime(x)`, which returns $\sigma'(x)$ for every entry of a NumPy array `x`
# of any shape, as an array of the same shape and dtype (float32 in, float32 out). You may
# call the course's stable `sigmoid` (imported above). The checker also tries $x = \pm 800$
# in float64: if your code forms a huge intermediate value such as `np.exp(800)`, it says
# *numerically unstable*.

# %%
from course_utils.exercises import lesson01 as ex


def sigmoid_prime(x):
    """The sigmoid's derivative at every entry of x; same shape and dtype as x."""
    # BEGIN SOLUTION
    s = sigmoid(x)
    return s * (1 - s)
    # END SOLUTION


# %%
ex.check_sigmoid_prime(sigmoid_prime)

# %% [markdown]
# The right formula written with the textbook sigmoid is caught too. `demo` shows what the
# checker says about it:

# %%
from course_utils.checks import demo


def naive_sigmoid_prime(x):
    s = 1 / (1 + np.exp(-x))  # np.exp(-x) overflows for x below about -709.8
    return s * (1 - s)


demo(ex.check_sigmoid_prime, naive_sigmoid_prime)

# %% [markdown]
# The course's own version goes one step further. Since $\sigma'$ is even
# ($\sigma'(-x) = \sigma'(x)$), it computes $e/(1 + e)^2$ with $e = e^{-|x|}$:

# %%
show_source(activations.sigmoid_prime)

# %%
s = sigmoid(40.0)
print("sigma(40)                 :", s)
print("s * (1 - s) at x = 40     :", s * (1 - s))
print("course sigmoid_prime(40)  :", activations.sigmoid_prime(40.0))

# %% [markdown]
# At $x = 40$, $\sigma(40)$ rounds to exactly 1 in float64, so $s\,(1 - s)$ gives 0, while
# the true value is about 4e-18 (printed above). For a single derivative the difference
# hardly matters; for products of many small derivatives, which this course is about, the
# accurate form keeps the tiny values from turning into exact zeros.
#
# ### Exercise 2: the derivative of tanh
#
# Write `tanh_prime(x)`, elementwise, same shape and dtype as `x`. You may use `tanh`
# (imported above) or `np.tanh`, neither of which overflows.


# %%
def tanh_prime(x):
    """The derivative of tanh at every entry of x; same shape and dtype as x."""
    # BEGIN SOLUTION
    return 1 - tanh(x) ** 2
    # END SOLUTION


# %%
ex.check_tanh_prime(tanh_prime)

# %% [markdown]
# ## Derivatives by finite differences
#
# A derivative worked out by hand, or a whole backward pass (lesson 03), needs an
# independent check. The definition of the derivative suggests one: take a small step
# $h$ and compute a difference quotient. These are **finite differences** (有限差分). The
# forward difference $\bigl(f(x + h) - f(x)\bigr)/h$ is the obvious one; the central
# difference steps both ways:
#
# $$f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}.$$
#
# Why central? Taylor's theorem gives $f(x \pm h) = f(x) \pm h f'(x) + \tfrac{h^2}{2} f''(x)
# \pm \tfrac{h^3}{6} f'''(x) + \dots$. The forward difference is off by about
# $\tfrac{h}{2}|f''(x)|$. In the central difference the $h^2$ terms cancel, and it is off
# by only about $\tfrac{h^2}{6}|f'''(x)|$: halve $h$ and the error drops fourfold, not
# twofold.
#
# ### Exercise 3: a central-difference derivative
#
# Write `central_diff(f, x, h)`. Here `f` is an elementwise function (like `sigmoid` or
# `np.sin`), `x` a NumPy array of any shape and `h` the step. Return the central-difference
# estimate of $f'$ at every entry of `x`, as an array of the same shape as `x`. Because `f`
# acts elementwise, two calls do it, `f(x + h)` and `f(x - h)`: no loop is needed.


# %%
def central_diff(f, x, h):
    """Central-difference estimate of f' at every entry of the array x; same shape as x."""
    # BEGIN SOLUTION
    return (f(x + h) - f(x - h)) / (2 * h)
    # END SOLUTION


# %%
ex.check_central_diff(central_diff)

# %% [markdown]
# The course's version is `course_utils.gradcheck.derivative_central`; later cells use it.
#
# ### How small should the step be?
#
# A smaller $h$ shrinks the Taylor error, but a computer stores $f(x + h)$ and $f(x - h)$
# to only about 16 significant digits in float64 and 7 in float32. When the two values are
# nearly equal, their difference keeps few correct digits: a **round-off error** of about
# $\varepsilon |f(x)| / h$, where $\varepsilon$ (machine epsilon) is the relative spacing of
# floating-point numbers. The total error, roughly $\tfrac{h^2}{6}|f'''| + \varepsilon|f|/h$,
# is smallest near $h \approx \varepsilon^{1/3}$. The next cell measures the error of the
# sigmoid's derivative at nine points in $[-4, 4]$, for 49 steps from $10^{-12}$ to 1: the
# central difference with float64 and with float32 inputs, and the forward difference in
# float64.

# %%
from course_utils.gradcheck import derivative_central

x = np.linspace(-4, 4, 9)  # nine points
steps = 10.0 ** np.arange(-12, 0.01, 0.25)  # 49 steps h, four per decade
exact = activations.sigmoid_prime(x)


def max_error(estimate):
    """The largest |estimate - sigma'(x)| over the nine points."""
    return np.max(np.abs(estimate - exact))


errors = {
    "central, float64": [max_error(derivative_central(sigmoid, x, h)) for h in steps],
    "central, float32": [
        max_error(derivative_central(sigmoid, x.astype(np.float32), h)) for h in steps
    ],
    "forward, float64": [max_error((sigmoid(x + h) - sigmoid(x)) / h) for h in steps],
}

# %%
for name, error in errors.items():
    best = np.argmin(error)
    print(f"{name}: best step h = {steps[best]:.0e}, error {error[best]:.1e}")
for dtype in (np.float64, np.float32):
    eps = np.finfo(dtype).eps
    print(f"{dtype.__name__}: machine epsilon {eps:.1e}, eps^(1/3) = {eps ** (1 / 3):.0e}")
lesson.step_size_figure(steps, errors)

# %% [markdown]
# Both axes are logarithmic. Read each curve from the right: as $h$ shrinks the error
# first falls, two decades per decade of $h$ for the central difference ($h^2$) and one
# for the forward difference ($h$), until round-off takes over and the error grows again
# as $h$ shrinks further. The best central step is about 1e-5 in float64 and 1e-2 in
# float32 (dots; printed above), close to $\varepsilon^{1/3}$; there the float64 central
# difference is off by less than 1e-11. In float32, steps of 1e-8 and below are lost
# entirely: $x + h$ rounds back to $x$, or $f(x + h)$ and $f(x - h)$ round to the same
# number, so the estimate is exactly 0 and the error is the whole derivative (the flat
# part at the top). So: check gradients in float64, with $h$ around 1e-5, never with the
# smallest $h$ you can type.
#
# ## Derivatives by automatic differentiation
#
# **Automatic differentiation** (自动微分), PyTorch's `autograd`, records the operations
# that produce a result and then applies the chain rule backwards through them. This is
# **backpropagation** (反向传播, lesson 02). It needs no formula and no step size, and is
# exact up to rounding. `backward()` differentiates a single number, so we sum the
# outputs: since $y_i = \sigma(x_i)$ depends on $x_i$ alone,
# $\partial(\sum_j y_j)/\partial x_i = \sigma'(x_i)$.

# %%
from course_utils.env import use_one_thread

use_one_thread()  # small computations: one thread is faster on a 2-core machine
import torch

# requires_grad=True: record every operation on xt, so that it can be differentiated
xt = torch.tensor([-2.0, 0.0, 1.5], dtype=torch.float64, requires_grad=True)
y = torch.sigmoid(xt)
y.sum().backward()  # the chain rule, backwards; the result lands in xt.grad
print("autograd:", xt.grad.numpy())
print("by hand :", activations.sigmoid_prime(np.array([-2.0, 0.0, 1.5])))

# %% [markdown]
# ### Three ways, side by side
#
# `three_ways` computes an activation's derivative by hand (the course's formulas), by
# central differences with $h = 10^{-5}$, and by autograd (`autograd_gradient` runs the
# three lines above: a tensor that records, the sum, `backward()`):

# %%
from course_utils.gradcheck import autograd_gradient, relative_error

IN_TORCH = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": torch.nn.functional.leaky_relu,  # slope 0.01 by default
}


def three_ways(name, x):
    """The derivative of activation `name` at every entry of x: by hand, by finite
    differences, by autograd."""
    act = activations.ACTIVATIONS[name]
    by_hand = act.df(x)
    finite_differences = derivative_central(act.f, x, h=1e-5)
    by_autograd = autograd_gradient(lambda t: IN_TORCH[name](t).sum(), x)
    return by_hand, finite_differences, by_autograd


points = np.array([-2.0, 0.0, 1.5])
print(f"{'':<11} {'x':>5} {'by hand':>10} {'fin. diff.':>10} {'autograd':>10}")
for name in activations.ACTIVATIONS:
    by_hand, finite_differences, by_autograd = three_ways(name, points)
    for i, x0 in enumerate(points):
        print(
            f"{name:<11} {x0:>5} {by_hand[i]:>10.6f} "
            f"{finite_differences[i]:>10.6f} {by_autograd[i]:>10.6f}"
        )

# %%
grid = np.linspace(-5, 5, 100)  # 100 points, none of them exactly 0
print("relative error against the formula, over 100 points in [-5, 5]:")
for name in activations.ACTIVATIONS:
    by_hand, finite_differences, by_autograd = three_ways(name, grid)
    print(
        f"{name:<11} finite differences {relative_error(finite_differences, by_hand):.1e}"
        f"   autograd {relative_error(by_autograd, by_hand):.1e}"
    )

# %% [markdown]
# The three agree everywhere except at the kink of ReLU and leaky ReLU. At $x = 0$ the
# central difference straddles the kink and returns the average of the two slopes, 0.5
# for ReLU and 0.505 for leaky ReLU, while the formula and autograd return the chosen
# convention, 0 and 0.01 (printed above). Away from 0, finite differences agree with the
# formulas to a relative error below 1e-10 and autograd to below 1e-15 (printed above;
# `relative_error` is $\lVert a - b\rVert / (\lVert a\rVert + \lVert b\rVert)$).
#
# ## How large can the derivative be?
#
# Put $p = \sigma(x)$, a number in $(0, 1)$. Then
#
# $$\sigma'(x) = p\,(1 - p) = \tfrac14 - \bigl(p - \tfrac12\bigr)^2 \le \tfrac14,$$
#
# with equality only when $p = \tfrac12$, that is at $x = 0$. Likewise
# $\tanh'(x) = 1 - \tanh(x)^2 \le 1$, with equality only when $\tanh(x) = 0$, at $x = 0$.
# ReLU and leaky ReLU have derivative exactly 1 on the whole positive side. Checked on a
# grid of 10,001 points that contains 0:

# %%
grid = np.arange(-5000, 5001) / 1000  # -5 to 5 in steps of 0.001, with 0.0 exactly
for name in ("sigmoid", "tanh"):
    act = activations.ACTIVATIONS[name]
    df = act.df(grid)
    print(
        f"{name:<8} f'(0) = {act.df(0.0)}, largest f' on the grid = {df.max()} at "
        f"x = {grid[df.argmax()]}, elsewhere at most {df[grid != 0].max():.10f}"
    )

# %% [markdown]
# ### Saturation
#
# Far from 0, the sigmoid and tanh are flat: a change of input barely changes the output,
# so the derivative is almost 0, and whatever gradient reaches the unit, only a sliver
# passes on. The unit is **saturated** (饱和). In this course a unit is saturated when its
# derivative is below $t = 0.01$. That happens when $|x|$ exceeds a cut-off $c$ with
# $f'(c) = t$. For tanh, $1 - \tanh(c)^2 = t$ gives $c = \operatorname{artanh}\sqrt{1 - t}$;
# for the sigmoid, $\sigma'(c) = \tanh'(c/2)/4$ (from $\tanh'(x) = 4\sigma'(2x)$ above), so
# $c = 2 \operatorname{artanh}\sqrt{1 - 4t}$, where artanh (numpy's `arctanh`) undoes tanh:

# %%
t = 0.01
cutoffs = {"sigmoid": 2 * np.arctanh(np.sqrt(1 - 4 * t)), "tanh": np.arctanh(np.sqrt(1 - t))}
for name, c in cutoffs.items():
    slope = activations.ACTIVATIONS[name].df(c)
    print(f"{name}: f'(x) < {t} when |x| > {c:.2f} (check: f'({c:.2f}) = {slope:.4f})")

# %% [markdown]
# How often does a unit's input fall beyond the cut-off? That depends on how large the
# pre-activations are. A pre-activation $a = \sum_i w_i u_i + b$ is a sum of many terms, so
# across inputs and units it is spread out roughly like a bell curve (a normal
# distribution). If the $u_i$ are independent with mean 0 and variance 1, its standard
# deviation is $s = \sqrt{\sum_i w_i^2}$: doubling every weight doubles $s$. We call $s$
# the **pre-activation scale** and model the inputs of $f$ as $z \sim \mathcal N(0, s^2)$.
#
# The slider below shows the function (solid) and its derivative (dashed) with the input
# $x$ marked, the saturated zone in grey, and the bell of inputs $z$ at the chosen scale
# (only its width matters, not its height), dark where the inputs land in the saturated
# zone. The readout gives $f(x)$, $f'(x)$, the
# mean derivative over the inputs, and the saturated fraction. Switch the activation too.

# %% tags=["nbval-ignore-output"]
lesson.activation_slider()

# %% [markdown]
# The same figure for tanh at three scales:

# %%
lesson.activation_sweep()

# %% [markdown]
# At scale 0.5 every input sits in tanh's steep middle and none is saturated; at scale 2,
# 13.4 % are; at scale 8, 70.8 % (titles), and most of the bell lies outside the window
# shown, far into the flat tails. The saturated fraction for all four activations against
# the scale (`saturation_fraction` weighs a fine grid of inputs $z$ by the bell and adds up
# the weight where $f'(z) < 0.01$):

# %%
scales = (0.5, 1, 2, 3, 5, 10)
print("scale s      " + "".join(f"{s:>8}" for s in scales))
for name in activations.ACTIVATIONS:
    fractions = [activations.saturation_fraction(name, s) for s in scales]
    print(f"{name:<12} " + "".join(f"{100 * p:>7.1f}%" for p in fractions))

many_scales = np.logspace(-1, 2, 61)  # 0.1 to 100, for the curves
curves = {
    name: [activations.saturation_fraction(name, s) for s in many_scales]
    for name in activations.ACTIVATIONS
}
lesson.saturation_figure(many_scales, curves)

# %% [markdown]
# At scale 1 almost no sigmoid or tanh input is saturated (0.0 % and 0.3 %); at scale 3,
# 12.7 % and 31.8 % are; at scale 10, 64.7 % and 76.5 % (printed above). Larger weights
# mean more saturated units. Glorot & Bengio (2010) studied saturation in deep sigmoid and
# tanh networks, and proposed choosing the initial weights so that the spread of the
# activations and of the gradients stays the same from layer to layer (lesson 02).
#
# ReLU is different: its derivative is exactly 0 for every negative input, so half of the
# inputs pass no gradient at every scale (the flat line at 50 %). That is not a flat tail
# but a unit switched off; on the other half the derivative is exactly 1. Leaky ReLU keeps
# a slope of 0.01 on the left, so none of its inputs count as saturated.
#
# ## Typical derivatives matter more than the maximum
#
# The bound says how large a derivative can be at best. For inputs spread like
# $z \sim \mathcal N(0, s^2)$, what is it typically? The mean derivative $E[f'(z)]$,
# where $E[\cdot]$ is the mean (expected value) over the inputs $z$ (`mean_derivative`):

# %%
for name in ("tanh", "sigmoid"):
    means = [activations.mean_derivative(name, s) for s in (0.5, 1.0, 2.0)]
    print(f"E[{name}'(z)] at scale 0.5 / 1 / 2: " + " / ".join(f"{m:.3f}" for m in means))

# %% [markdown]
# At scale 1 the average tanh derivative is 0.606, well below its maximum 1; the sigmoid's
# is 0.207, below its 1/4 (printed above).
#
# Now multiply 50 of them, as lesson 00 did, with a fresh input $z_t \sim \mathcal N(0, 1)$
# at every step: $\prod_{t=1}^{50} f'(z_t)$. Its logarithm is the sum
# $\sum_t \log f'(z_t)$ of 50 independent terms, whose average is close to
# $E[\log f'(z)]$ (the law of large numbers). So a typical product is about
# $\exp\bigl(50\,E[\log f'(z)]\bigr)$ (`mean_log_derivative` gives $E[\log f'(z)]$);
# individual chains scatter around this value. Compare it with the best case, every factor
# at the maximum:

# %%
for name in ("tanh", "sigmoid"):
    act = activations.ACTIVATIONS[name]
    best = act.max_slope**50
    mean50 = activations.mean_derivative(name, 1.0) ** 50
    typical = np.exp(50 * activations.mean_log_derivative(name, 1.0))
    print(
        f"{name:<8} best case {act.max_slope:g}^50 = {best:.2g}   "
        f"(E[f'])^50 = {mean50:.2g}   typical product = {typical:.2g}"
    )

# %% [markdown]
# A typical chain of 50 tanh derivatives is about 5.4e-17, even though tanh's best case is
# 1; a chain of sigmoid derivatives is about 9.8e-36, far below even $0.25^{50} \approx$
# 7.9e-31 (printed above). The typical product is also smaller than $(E[f'])^{50}$, for
# tanh by more than five orders of magnitude: the average of the product is pulled up by
# rare chains in which many $z_t$ happen to land near 0, but a typical chain is not one of
# them.
#
# This is a caricature: one unit, weight 1, independent inputs. For ReLU it breaks down
# altogether, because in a real layer the gradient flows through whichever units are
# active (lesson 02). In a recurrent network each factor is a matrix that also contains
# the weights, which is the point of the box below.
#
# The bound $\gamma = \max |f'|$ and its inverse, used in the box:

# %%
for name in ("sigmoid", "tanh"):
    gamma = activations.ACTIVATIONS[name].max_slope
    print(f"{name:<8} gamma = {gamma:g}, 1 / gamma = {1 / gamma:g}")

# %% [markdown]
# > **Myth** (the article): "它们的导数始终小于1", "their derivatives [of sigmoid and tanh]
# > are always less than 1", so the gradient, multiplied at every step, goes to zero.
# >
# > **Fact**: too weak for the sigmoid and not quite true for tanh. σ′(x) ≤ 1/4 with
# > equality only at x = 0, and tanh′(x) ≤ 1 with equality at x = 0 (printed above). And
# > the activation's slope is not the whole factor. In a recurrent network each step back
# > multiplies the gradient by the matrix of derivatives ∂h_t/∂h_{t−1} = diag(f′(a_t)) W
# > (the **Jacobian**, 雅可比矩阵; strictly by its transpose), where diag(f′(a_t)) holds
# > each unit's derivative on its diagonal and W is the recurrent weight matrix. Pascanu,
# > Mikolov & Bengio (2013) showed that if the largest singular value of W (the most W can
# > stretch a vector) is below 1/γ, where γ bounds |f′| (1/4 for sigmoid, 1 for tanh), the
# > contribution of inputs k steps back must shrink exponentially with k: the gradient
# > vanishes (the **vanishing gradient**, 梯度消失). It can explode only if that singular
# > value exceeds 1/γ. For a single sigmoid unit with weight w this is Hochreiter's (1991)
# > analysis, as reproduced by Hochreiter & Schmidhuber (1997, §3.1): the factor |f′ · w|
# > stays below 1 whenever |w| < 4.0. Larger weights are no escape, as §3.1 also notes:
# > they push pre-activations into the flat tails where f′ is tiny (the saturation above).
# > Finally, typical derivatives are far below the maximum: E[tanh′(z)] = 0.606 for
# > z ~ N(0, 1), and a typical chain of 50 tanh derivatives is about 5.4e-17 (printed
# > above). Lesson 03 develops the matrix version.
#
# ## Summary
#
# - An activation function $f$ acts on each unit's pre-activation; the chain rule puts
#   $f'$ into every gradient that passes through the unit.
# - $\sigma'(x) = \sigma(x)(1 - \sigma(x)) \le 1/4$ and $\tanh'(x) = 1 - \tanh(x)^2 \le 1$,
#   each with equality only at $x = 0$. ReLU's derivative is 0 or 1.
# - Compute the sigmoid from $e^{-|x|}$, which never overflows.
# - Three ways to a derivative agree: by hand, by central differences (error $\propto h^2$
#   until round-off wins; best $h$ about 1e-5 in float64) and by autograd (exact up to
#   rounding).
# - A unit saturates when its input falls in the flat tails; the saturated fraction grows
#   with the pre-activation scale, that is with the weights.
# - Typical derivatives (0.606 for tanh, 0.207 for sigmoid at scale 1) and typical 50-step
#   products (5.4e-17 and 9.8e-36) lie far below the bounds. Whether gradients vanish also
#   depends on the weights (Pascanu et al. 2013; lesson 03).
#
# Next, lesson 02 follows these factors through a 50-layer network, where the weights join
# the slopes in every factor.
#
# ## Further reading
#
# - V. Nair, G. E. Hinton (2010), "Rectified linear units improve restricted Boltzmann
#   machines", *ICML*. Earlier rectifiers: K. Fukushima (1969), "Visual feature extraction
#   by a multilayered network of analog threshold elements", *IEEE Transactions on Systems
#   Science and Cybernetics* 5(4); R. H. R. Hahnloser et al. (2000), "Digital selection and
#   analogue amplification coexist in a cortex-inspired silicon circuit", *Nature* 405;
#   K. Jarrett, K. Kavukcuoglu, M. Ranzato, Y. LeCun (2009), "What is the best multi-stage
#   architecture for object recognition?", *ICCV*.
# - A. L. Maas, A. Y. Hannun, A. Y. Ng (2013), "Rectifier nonlinearities improve neural
#   network acoustic models", *ICML Workshop on Deep Learning for Audio, Speech and
#   Language Processing*.
# - X. Glorot, Y. Bengio (2010), "Understanding the difficulty of training deep feedforward
#   neural networks", *AISTATS*.
# - R. Pascanu, T. Mikolov, Y. Bengio (2013), "On the difficulty of training recurrent
#   neural networks", *ICML*.
# - S. Hochreiter (1991), *Untersuchungen zu dynamischen neuronalen Netzen*, diploma
#   thesis, TU München; S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory",
#   *Neural Computation* 9(8), §3.1.
# - A. G. Baydin, B. A. Pearlmutter, A. A. Radul, J. M. Siskind (2018), "Automatic
#   differentiation in machine learning: a survey", *Journal of Machine Learning Research*
#   18(153).
# - J. Nocedal, S. J. Wright (2006), *Numerical Optimization*, 2nd ed., Springer, chapter 8
#   (finite-difference derivatives and the choice of step).

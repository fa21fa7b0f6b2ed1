# %% [markdown]
# # 00 · Start here
#
# > How the course works, and the one multiplication that the whole story hangs on.
#
# Large language models are built on **attention** (注意力机制). Before attention, sequence
# models were **recurrent neural networks** (循环神经网络, RNNs), and they had a famous
# weakness: the **vanishing gradient** (梯度消失). This course shows you, with code you can
# run and sliders you can drag, *why* gradients vanish in RNNs, what the partial fixes did,
# and why attention replaced recurrence. Every number comes from the course's code and is
# checked by its tests; every claim cites its source.
#
# ## What you will learn
#
# - how the notebooks, sliders and exercise checkers of this course work;
# - whether your environment is ready (and how to fix it if not);
# - why multiplying many numbers slightly below 1 gives almost nothing, the arithmetic under
#   every vanishing gradient in this course;
# - the route from vanishing gradients to attention, lesson by lesson.
#
# ## Prerequisites
#
# Some Python (functions, loops, lists) and school calculus (what a derivative is). No deep
# learning is assumed; NumPy is introduced as we go.

# %% [markdown]
# ## How to use a notebook
#
# A notebook is a list of cells. Click a code cell and press **Shift+Enter** to run it; its
# output appears below it. Run the cells from top to bottom: later cells use what earlier
# ones defined. If things get confusing, use *Kernel → Restart Kernel and Run All Cells*.
#
# The cell above this text (marked *Set-up*) makes the notebook work wherever you opened it:
# on Colab it installs the course's code, elsewhere it does nothing you can see.
#
# ## Is your environment ready?
#
# The next cell prints the versions of the packages the course uses and warns about known
# problems, each with the command that fixes it.

# %%
from course_utils.env import check_environment

problems = check_environment()

# %% [markdown]
# ## A first slider: multiply 50 numbers
#
# Training a network means following its **gradient** (梯度): how much the loss changes when
# a weight changes. In a deep network, or in an RNN reading a 50-word sentence, the chain
# rule (链式法则) writes that gradient as a *product* of one factor per layer or per word.
# Suppose every factor has the same size $s$. After $k$ steps the product is $s^k$.
#
# Drag the slider. The plot's vertical axis is logarithmic: each grid line is ten times the
# one below. The readout under the figure gives $s^{50}$.

# %% tags=["nbval-ignore-output"]
from course_utils.lessons import lesson00 as lesson

lesson.product_slider()

# %% [markdown]
# Where no kernel runs (on GitHub, say), the slider cannot move, so every interactive figure
# in this course comes with a *static sweep*: the same figure at a few settings.

# %%
lesson.product_sweep()

# %% [markdown]
# The numbers, computed (`**` is Python's power):

# %%
for s in (0.25, 0.9, 1.0, 1.1):
    print(f"s = {s:4}:  s^50 = {s**50:.3g}")

# %% [markdown]
# A factor of 0.9 looks harmless, yet 50 of them leave about half a percent; 0.25, the
# largest slope of the sigmoid function (lesson 01), leaves less than $10^{-30}$. A factor of
# 1.1 grows more than a hundredfold instead: that is an **exploding gradient** (梯度爆炸).
# Lessons 01 to 05 find out where these factors come from in real networks, and why they
# are rarely exactly 1.

# %% [markdown]
# ## How exercises work
#
# Exercises ask you to write a small function. The cell gives you its first line and a
# placeholder `raise NotImplementedError(...)`. Replace the placeholder with your code, run
# the cell, then run the checker in the cell below it. The checker calls your function on
# inputs chosen to catch common slips and answers with one of:
#
# - ⏳ **not attempted yet**: the placeholder is still there;
# - ❌ **raised an exception**, **wrong type/shape/dtype**, **NaN or inf**, **numerically
#   unstable** or **wrong values**, with the input, the expected and the actual value, and a
#   hint aimed at the likely mistake; or **right values, wrong method**, where an exercise
#   asks for a way of computing (lesson 10's linear-time attention) and the output is right
#   but computed another way;
# - ✅ **correct**.
#
# Here is what a wrong answer looks like. `demo` runs a checker on a deliberately wrong
# function, one that always answers 0 steps:

# %%
from course_utils.checks import demo
from course_utils.exercises import lesson00 as ex

demo(ex.check_steps_to_shrink, lambda s, threshold: 0)

# %% [markdown]
# ### Warm-up exercise: how many steps until the signal is gone?
#
# A signal is multiplied by $s$ (with $0 < s < 1$) at every step. Write
# `steps_to_shrink(s, threshold)`, which returns the **smallest whole number of steps $k$**
# for which $s^k$ is *below* `threshold`. For example, with $s = 0.5$ and threshold $0.3$:
# $0.5^1 = 0.5$, $0.5^2 = 0.25 < 0.3$, so the answer is 2.

# %%
import math


def steps_to_shrink(s, threshold):
    """Smallest k >= 0 with s**k < threshold (0 < s < 1)."""
    # BEGIN SOLUTION
    return math.floor(math.log(threshold) / math.log(s)) + 1
    # END SOLUTION


# %%
ex.check_steps_to_shrink(steps_to_shrink)

# %% [markdown]
# With $s = 0.9$, how far can a signal travel before only 1 % is left?
# The course's reference answers (a later cell never depends on your answer):

# %%
from course_utils import chain

print("s = 0.9, below 1 %:", chain.steps_to_shrink(0.9, 0.01), "steps")
print("s = 0.25, below 1e-30:", chain.steps_to_shrink(0.25, 1e-30), "steps")

# %% [markdown]
# ## The path through the course
#
# | # | lesson | the question it answers |
# |---|---|---|
# | 00 | Start here | how does the course work? |
# | 01 | Activations and their derivatives | how large can the slope of sigmoid and tanh be? |
# | 02 | Vanishing gradients in depth | what happens to a gradient through 50 layers? |
# | 03 | RNNs and backprop through time | why does an RNN forget the start of a sentence? |
# | 04 | Exploding gradients and the partial fixes | what do ReLU, clipping and normalisation fix, and what not? |
# | 05 | The LSTM: gates and the cell path | how does a gated, additive cell state keep gradients alive? |
# | 06 | Long-range memory: RNN, LSTM and GRU, trained | how far back can RNN, LSTM and GRU remember? |
# | 07 | Attention from scratch | what is softmax(QKᵀ/√d_k)V, and why the √d_k? |
# | 08 | Translation with attention | how does a decoder learn where to look? |
# | 09 | Why attention wins | path length, parallel steps, and what really fixed depth |
# | 10 | Efficient attention and beyond | what attention costs, and what came next |
# | 11 | From attention to a language model | how does a GPT in miniature learn, and generate? |
#
# Each lesson's notebook is in the `notebooks/` folder; the course's README shows which
# lessons are ready, with their measured run times.
#
# ## Glossary · 术语表
#
# The course's key terms in English and Chinese, with the lesson that teaches each one (this
# lesson and lesson 01 already preview a few of them).

# %%
from IPython.display import Markdown

from course_utils.glossary import glossary_markdown

Markdown(glossary_markdown())

# %% [markdown]
# ## Summary
#
# - Run cells top to bottom with Shift+Enter; restart and run all when in doubt.
# - `check_environment()` tells you what is missing and how to install it.
# - Sliders recompute a figure from tested course code; static sweeps show the same figure
#   at fixed settings.
# - Checkers tell you *what* is wrong with an answer and hint at *why*.
# - A product of many factors below 1 vanishes exponentially ($0.9^{50} \approx 0.005$);
#   above 1 it explodes. The rest of the course finds those factors in real networks.
#
# Next, lesson 01 looks at where these factors come from: the slopes of the activation
# functions, how large they can be, and how large they typically are.
#
# ## Further reading
#
# - S. Hochreiter (1991), *Untersuchungen zu dynamischen neuronalen Netzen*, diploma
#   thesis, TU München: the first analysis of vanishing gradients.
# - Y. Bengio, P. Simard, P. Frasconi (1994), "Learning long-term dependencies with
#   gradient descent is difficult", *IEEE Transactions on Neural Networks* 5(2).
# - A. Vaswani et al. (2017), "Attention is all you need", *NeurIPS*.

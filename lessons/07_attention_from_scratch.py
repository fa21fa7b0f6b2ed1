# %% [markdown]
# # 07 · Attention from scratch
#
# > Scaled dot-product attention built in four small steps, checked against PyTorch, with why it divides by √d_k and why it needs a mask.
#
# Lessons 03 to 06 sent information along a chain: to connect "was" with "cat", an RNN carries
# it through every word in between, and the gradient shrinks at every step. **Attention**
# (注意力机制) takes another route: when the network processes one word, it computes a weighted
# average over *all* the words, with weights that it computes from the words themselves. The
# article this course follows says that, when reading "sat" in "The cat sat on the mat",
# attention lets the model "focus on 'cat' and 'mat' at the same time". This lesson builds
# that mechanism from a dot product, a softmax and a weighted sum, checks it against PyTorch,
# and measures the two details that make it work in practice: the division by √d_k and the
# mask.
#
# ## What you will learn
#
# - how attention turns dot products into weights that sum to 1 and mixes the words with them;
# - why queries, keys and values are three different projections of each word;
# - why the scores are divided by √d_k: what Vaswani et al. observed (unscaled dot products lost to additive attention at large d_k), what they suspected (the variance of q·k is d_k, so the softmax saturates and its gradient vanishes), and a measurement that bears the suspicion out;
# - what a causal mask does, and why it is applied before the softmax (zeroing weights afterwards breaks each row's sum unless you renormalise);
# - what "direct access to every word" does and does not mean.
#
# ## Prerequisites
#
# - Lesson 03: the row-vector convention (a batch of vectors in the rows of an array, `x @ W`)
#   and the chain rule through a network.
# - Lesson 06: why a plain RNN fails to learn dependencies 40 to 50 words long while an LSTM
#   or GRU learns them, and why every recurrent network takes the steps of a sequence one
#   after another.
# - Dot products and matrix products in numpy (`@`, `.T`).

# %% [markdown]
# ## Step 1: similarity by dot product
#
# Give each word of a sentence a vector $x_i$ of numbers, its **embedding** (词嵌入), stacked
# as the rows of a matrix $X$ of shape $(n, d)$, one row per word ($n$ is the sequence
# length, the $T$ of lessons 03 to 06; attention papers write $n$). The simplest measure of how
# much word $i$ has to do with word $j$ is the **dot product**
# $x_i \cdot x_j = \sum_m x_i[m]\, x_j[m]$: large when the two vectors point the same way,
# zero when they are perpendicular, negative when they point apart. All the pairs at once are
# one matrix product, $S = X X^\top$, an $n \times n$ matrix of **scores** (in code,
# `X @ X.T`).
#
# A trained model learns its embeddings, with hundreds of dimensions that no one can read.
# Here we **set them by hand** so that every number means something: each word gets 6
# numbers, a one-hot word class (determiner, noun, verb or preposition) and its position $i$
# as the point $(\cos(i\pi/4), \sin(i\pi/4))$ on a circle. (`lesson.embed` sets them;
# nothing claims that a trained model uses these.) Then the scores are one line:

# %%
import numpy as np

from course_utils import attention as attn
from course_utils import gradient_vs_distance
from course_utils.display import show_source
from course_utils.lessons import lesson07 as lesson

tokens, X = lesson.embed("The cat sat on the mat")  # X: (6 words, 6 features)
print("tokens:", tokens)
print("embedding features:", lesson.EMBEDDING_FEATURES)
print("X =")
print(np.round(X, 2))

S = X @ X.T  # (6, 6): S[i, j] = x_i · x_j
lesson.similarity_figure(S, tokens)

# %% [markdown]
# Each word is most similar to itself: $x_i \cdot x_i = 1 + 1 = 2$ (its class, plus its
# position on the unit circle), and neighbours share a bit of position. The two "the"s share
# their class but sit at opposite points of the circle, so their dot product is 0.
#
# ## Step 2: softmax turns scores into weights
#
# Scores can be any real numbers. To average with them we need weights that are positive and
# sum to 1. The **softmax** (softmax 函数) does that, row by row:
#
# $$a_{ij} = \operatorname{softmax}(s_i)_j = \frac{e^{s_{ij}}}{\sum_{m} e^{s_{im}}} .$$
#
# The exponential makes every weight positive and turns differences of scores into ratios:
# a score larger by 1 gets $e \approx 2.7$ times the weight. The course's `attn.softmax` does
# it for every row at once (you will write your own in exercise 1). Below, the row of "sat":

# %%
A = attn.softmax(S)  # along the last axis: row i holds the weights of word i
lesson.softmax_figure(S, A, tokens, row=2)

# %% [markdown]
# The largest score ("sat" on itself) gets the largest weight, and even the negative score of
# "mat" gets a small positive weight: nothing is switched off completely. The article calls
# these weights "缩放的注意力权重" (scaled attention weights), but in the formula it quotes,
# what is scaled is the *scores*, divided by $\sqrt{d_k}$ before the softmax (step 4); the
# weights are only normalised. Every row sums to 1:

# %%
print("each row of the weights sums to:", np.round(A.sum(axis=1), 12))

# %% [markdown]
# ## Step 3: a weighted sum of the words
#
# The output for word $i$ is the average of all the words, weighted by row $i$:
# $y_i = \sum_j a_{ij}\, x_j$, or for all the words at once $Y = A X$, with $A$ the matrix of
# weights. Every output is a mixture of the words the word "looks at":

# %%
Y = A @ X  # row i: y_i = sum_j a_ij x_j
print("output of 'sat':", np.round(Y[2], 2))
lesson.weighted_sum_figure(X, Y, tokens, row=2)

# %% [markdown]
# Grey is the embedding of "sat", green its output. The output is about half its own
# embedding (its weight on itself) plus a mixture of the others: the noun and preposition
# features come mostly from its neighbours "cat" and "on", the determiner feature from the two
# "the"s.
#
# ## Step 4: separate roles for queries, keys and values
#
# So far each word uses one vector for three jobs: to ask, to be found and to be passed on.
# The result above is that every word attends mostly to **itself** (its mean weight on
# itself, printed below): a vector is always most similar to itself. The article describes
# three roles instead:
#
# - the **query** (查询, $q_i$) is the "question" word $i$ asks: what it is looking for;
# - the **key** (键, $k_j$) is the label of word $j$ that questions are matched against;
# - the **value** (值, $v_j$) is the "content" word $j$ hands over when it is chosen.
#
# Each is its own linear map of the embedding: $Q = X W_Q$, $K = X W_K$, $V = X W_V$
# (Vaswani et al. 2017, §3.2). Then "the" can look for a noun without being a noun, and a verb
# can look for its subject. Attention of a sequence over itself in this way is
# **self-attention** (自注意力). In our example, $W_Q$ and $W_K$ are set by hand again: the
# key says "I am a noun / a verb, at position $j$"; the query of a determiner or a preposition
# asks for a noun, a verb asks for nouns, a noun asks for a verb, and every word prefers the
# *next* position.

# %%
print(f"mean weight of a word on itself, one vector per word: {np.mean(np.diag(A)):.2f}")
W_q, W_k = lesson.projections()  # hand-set, (6, 4) each
print("key features:", lesson.KEY_FEATURES)
print("W_K (6 x 4) =")
print(W_k)

Q, K = X @ W_q, X @ W_k  # (6, 4): one query and one key per word
scores = Q @ K.T / np.sqrt(K.shape[1])  # d_k = 4
A_qk = attn.softmax(scores)
lesson.roles_figure(A, A_qk, tokens)

# %% [markdown]
# Each row is one word's weights over the words (bright = large weight, dark = near 0). With
# one vector per word (left) the diagonal dominates; with queries and keys (right) each row
# finds the word its query asks for (the right panel divides the scores by $\sqrt{d_k}$,
# explained below). This is the whole mechanism, in the paper's words
# **scaled dot-product attention** (缩放点积注意力):
#
# $$\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right) V,$$
#
# where $d_k$ is the length of the queries and keys (the $\sqrt{d_k}$ comes next). The
# course's version, in the row convention (`Q @ K.T`, one row of weights per query):

# %%
show_source(attn.scaled_dot_product_attention)

# %% [markdown]
# ## "The cat sat on the mat", word by word
#
# Pick a word in the menu: the left panel shows every word's weights (row = the word
# attending, outlined = your word), the right panel your word's row. The second menu switches
# the position information off (more on that in the box on word order at the end).

# %% tags=["nbval-ignore-output"]
lesson.word_slider()

# %% [markdown]
# The same figure for "sat" and the two "the"s, and the whole matrix:

# %%
lesson.word_sweep()

# %%
names = lesson.word_labels(tokens)  # 'the (0)' and 'the (4)' told apart
for i, j in ((2, 1), (2, 5), (0, 1), (4, 5), (3, 5), (1, 2)):
    print(f"{names[i]:>8} -> {names[j]:<8} {A_qk[i, j]:.2f}")
lesson.sentence_matrix_figure(A_qk, tokens)

# %% [markdown]
# As the article says, "sat" looks at "cat" and "mat" at once (0.40 each, printed above): its
# query asks for nouns, and the position term (prefer the next word) is too weak to choose
# between them. The first "the" looks at "cat" (0.89), the second at "mat" (0.91): the same
# word with the same question finds different answers, because its position differs. These
# are hand-set numbers that show what the mechanism *can* express, not what a trained model
# does; trained attention spreads such patterns over many dimensions and heads.

# %% [markdown]
# ### Exercise 1: a softmax that never overflows
#
# Write `stable_softmax(x)`: the softmax of each row (the last axis) of an array of scores.
# The direct formula `np.exp(x) / np.exp(x).sum(...)` is right on paper and fails in float64:
# `np.exp(1000)` is `inf`, and `np.exp(-1000)` is 0. Use the identity
# $\operatorname{softmax}(s) = \operatorname{softmax}(s - c)$ for any constant $c$ (the
# factor $e^{-c}$ cancels between numerator and denominator): with $c$ the row's maximum,
# every exponent is $\le 0$ and the largest term is exactly 1. The checker feeds logits near
# $\pm 1000$, and a stack of score matrices (one per head, shape (heads, queries, keys)),
# whose last axis is axis 2.


# %%
def stable_softmax(x):
    """Softmax of x along the last axis, without overflow. Same shape as x."""
    # BEGIN SOLUTION
    e = np.exp(x - x.max(axis=-1, keepdims=True))  # every exponent <= 0
    return e / e.sum(axis=-1, keepdims=True)
    # END SOLUTION


# %%
from course_utils import checks
from course_utils.exercises import lesson07 as ex

ex.check_stable_softmax(stable_softmax)

# %% [markdown]
# Here is what the checker says about the direct formula (`ex.naive_softmax`):

# %%
checks.demo(ex.check_stable_softmax, ex.naive_softmax)

# %% [markdown]
# ### Exercise 2: attention with a mask
#
# Write `attention(Q, K, V, mask)` returning the pair `(output, weights)`. Shapes: `Q` is
# $(n_q, d_k)$, `K` is $(n_k, d_k)$, `V` is $(n_k, d_v)$; `weights` is $(n_q, n_k)$ and
# `output` $(n_q, d_v)$. `mask` is `None` or a boolean $(n_q, n_k)$ array with **True = query
# $i$ may attend to key $j$** (PyTorch's convention for
# `F.scaled_dot_product_attention`). A **mask** (掩码) acts *before* the softmax: set the
# disallowed scores to $-\infty$, so that $e^{-\infty} = 0$ and the allowed weights still sum
# to 1. You may use `attn.softmax` (the course's stable softmax; the lesson imports
# `course_utils.attention` as `attn`, so that your function can be called `attention`).


# %%
def attention(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d_k)) V with an optional boolean mask (True = may attend).

    Returns (output (n_q, d_v), weights (n_q, n_k)).
    """
    # BEGIN SOLUTION
    scores = Q @ K.T / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # before the softmax
    weights = attn.softmax(scores, axis=-1)
    return weights @ V, weights
    # END SOLUTION


# %%
ex.check_attention(attention)

# %% [markdown]
# ## Checked against PyTorch
#
# The next cell runs the course's numpy attention and PyTorch's on the same float64 inputs
# and prints the largest absolute difference of each comparison:
#
# - `torch.nn.functional.scaled_dot_product_attention`, without a mask and with a causal one;
# - torch autograd through it, against the course's hand-written backward pass
#   `attn.attention_backward` ($\partial L/\partial Q$, $\partial L/\partial K$,
#   $\partial L/\partial V$);
# - `torch.nn.MultiheadAttention` (multi-head attention, explained just below) with the four
#   weight matrices of the course's random multi-head layer copied in: $W_Q$, $W_K$, $W_V$ and
#   the output matrix $W_O$ (torch multiplies
#   by `W.T`, so it stores the transposes; and its boolean `attn_mask` means True = *not*
#   allowed, the opposite convention, so it gets `~mask`).

# %%
differences = lesson.torch_check()
for name, difference in differences.items():
    print(f"{name:>28}: {difference:.1e}")
print("all below 1e-12:", max(differences.values()) < 1e-12)

# %% [markdown]
# Every difference is at the level of float64 round-off (about $10^{-16}$, printed above):
# the formula, the backward pass, the multi-head reshaping and the weight layout agree with
# PyTorch.
#
# **Multi-head attention** (多头注意力) runs $h$ attentions side by side. With $d_{model}$
# the width of the embeddings (the $d$ of step 1), each head gets its own slice of
# $d_k = d_{model}/h$ columns of the projections, and the heads' outputs are concatenated and
# multiplied by an output matrix $W_O$:
# $\operatorname{MultiHead} = \operatorname{Concat}(\text{head}_1, \dots,
# \text{head}_h)\, W_O$. The Transformer uses $d_{model} = 512$ and $h = 8$, so
# $d_k = d_v = 64$ (Vaswani et al. 2017, §3.2.2): each head can attend to something else
# (one to the subject, one to the next word, ...) at the cost of one full-width attention.

# %%
X_512 = np.zeros((6, 512))  # six words, d_model = 512
heads = attn.split_heads(X_512, 8)  # h = 8 heads of d_k = 64 columns
print("shapes for d_model = 512, h = 8, six words:")
print("X", X_512.shape, "-> heads", heads.shape, "-> merged", attn.merge_heads(heads).shape)
show_source(attn.split_heads)

# %% [markdown]
# ## Why divide by √d_k?
#
# Vaswani et al. (2017, §3.2.1) start from an observation, not a derivation. Bahdanau's
# additive attention (lesson 08) and plain dot-product attention cost about the same in
# theory, and the dot product is much faster in practice, but: "While for small values of
# $d_k$ the two mechanisms perform similarly, additive attention outperforms dot product
# attention without scaling for larger values of $d_k$." The comparison they cite (their
# reference [3]) is Britz et al. (2017), a large sweep of translation architectures. Then
# comes the explanation, offered as a conjecture: "We suspect that for large values of $d_k$, the dot
# products grow large in magnitude, pushing the softmax function into regions where it has
# extremely small gradients." Their footnote gives the reason the dot products grow, and this
# section measures both halves of the suspicion.
#
# Suppose the components of $q$ and $k$ are independent, with mean 0 and variance 1. Each
# product $q_m k_m$ then has mean 0 and variance 1, and the dot product
# $q \cdot k = \sum_{m=1}^{d_k} q_m k_m$ adds $d_k$ of them: its variance is $d_k$
# (the footnote). Measured on 10,000 random pairs:

# %%
print(f"{'d_k':>6} {'Var(q.k)':>10} {'Var(q.k / sqrt(d_k))':>22}")
for d_k in (1, 4, 16, 64, 256, 1024, 4096):
    raw, scaled = lesson.score_variances(d_k)
    print(f"{d_k:>6} {raw:>10.1f} {scaled:>22.2f}")

# %% [markdown]
# The variance grows like $d_k$; divided by $\sqrt{d_k}$ it stays at 1, within sampling
# error (printed above). Why does the size matter? With logits whose spread is
# $\sqrt{d_k} \approx 23$ at $d_k = 512$, the largest score of a row is usually far above the
# others, and the softmax gives it nearly all the weight. A nearly **one-hot** row is a
# problem for learning: the gradient of the softmax is its **Jacobian** (lesson 03)
# $\partial a_i / \partial s_j = a_i(\delta_{ij} - a_j)$ (here $\delta_{ij}$ is 1 if $i = j$
# and 0 otherwise, not the gradient $\delta_t$ of lesson 03), that is
# $\operatorname{diag}(a) - a a^\top$ with $a$ as a column vector, and it tends to 0 as $a$
# tends to one-hot: the "regions where it has extremely small gradients".
#
# The slider draws 200 random queries and 16 random keys ($q, k \sim N(0, I_{d_k})$), and
# shows the weights of 12 queries (left; one row per query, bright = weight near 1) and the
# median size (Frobenius norm) of the softmax Jacobian over the 200 rows (right, both
# scalings; the dot is your setting). Move $d_k$ with and without the scaling.

# %% tags=["nbval-ignore-output"]
lesson.saturation_slider()

# %% [markdown]
# The same figure, unscaled, at $d_k = 4$, 64 and 1024:

# %%
lesson.saturation_sweep()

# %% [markdown]
# The table below also gives each row's **entropy** (熵), $-\sum_j a_j \log a_j$, a measure of
# how spread out the weights are: $\log 16$ when the 16 keys get equal weight, 0 for a
# one-hot row.

# %%
print(f"{'d_k':>5} {'scores':>9} {'logit std':>10} {'one-hot rows':>13} "
      f"{'entropy / log 16':>17} {'median |J|':>11}")  # fmt: skip
for d_k in (4, 64, 512, 4096):
    for scaled in (False, True):
        s = lesson.softmax_saturation(d_k, scaled)  # 200 queries against 16 keys, seed 0
        print(
            f"{d_k:>5} {'scaled' if scaled else 'unscaled':>9} {s.score_std:>10.1f} "
            f"{s.one_hot_fraction:>13.1%} {s.entropy_fraction:>17.2f} "
            f"{s.median_jacobian_norm:>11.1e}"
        )

# %% [markdown]
# At $d_k = 512$ without the scaling (printed above): the logits spread with standard
# deviation 22.6, 68.5 % of the rows are nearly one-hot (largest weight above 0.99), the
# entropy is 4 % of its maximum $\log 16$, and the median softmax Jacobian is about
# $1.3 \times 10^{-4}$. Scaled, the logits have standard deviation 1.0, no row is one-hot,
# the entropy is 85 % of the maximum and the median Jacobian is 0.31, more than a thousand
# times larger. The suspicion holds up: the $1/\sqrt{d_k}$ is a small fix for a vanishing
# gradient, *inside* the attention layer. It is also why lesson 08's additive attention comes
# without such a factor: its score $v \cdot \tanh(s W + h U)$ passes every component through
# a tanh, so it cannot grow with the length of the vectors, and the learned $v$ sets its scale.
#
# (Trained queries and keys are not independent unit-variance vectors; the footnote's
# argument describes typical scales, such as those near the start of training, when a
# saturated softmax would stop learning before it begins.)

# %% [markdown]
# ## Masking: no peeking at the future
#
# A model that predicts the next word, one word at a time, must not see the words it is
# about to predict. The **causal mask** allows query $i$ only the keys $j \le i$ (Vaswani et
# al. 2017, §3.2.3: the decoder sets the illegal scores to $-\infty$). In our sentence every
# word prefers the *next* word, so without the mask most of its weight lands in the future:

# %%
mask = attn.causal_mask(len(tokens))  # True on and below the diagonal: query i sees keys j <= i
masked = attn.softmax(np.where(mask, scores, -np.inf))  # -inf BEFORE the softmax
future = (A_qk * ~mask).sum(axis=1)  # without the mask: each row's weight on later words
for name, w in zip(names, future, strict=True):
    print(f"{name:>8}: weight on later words without the mask {w:.2f}")
print("with the mask, largest weight on a later word:", masked[~mask].max())
lesson.masking_figure(mask, A_qk, masked, tokens)

# %% [markdown]
# Left, the causal mask: row $i$ may attend to the keys $j \le i$ (yellow), on and below the
# diagonal. Middle, the weights without the mask: most rows put most of their weight above
# the diagonal, in the future. Right, the weights masked before the softmax: nothing above
# the diagonal, and each row again sums to 1.
#
# Without the mask, the first "the" puts 0.97 of its weight on later words (printed above): a
# model trained that way learns to read the answer instead of predicting it, and fails when
# the future is not there. To see the leak directly, change only the *last* word's key and
# value, and measure how much the outputs of the *other* words change:

# %%
leak = lesson.future_leak()
for name, change in leak.items():
    print(f"{name:>12}: largest change of an earlier output = {change:.2f}")

# %% [markdown]
# Exactly 0 with the mask: no earlier position can read the last one.
#
# **Mask before the softmax, not after.** Zeroing the future weights *after* the softmax
# leaves rows that no longer sum to 1 (they sum to the weight that was on the past), so each
# output shrinks towards 0. Dividing those rows by their sums repairs it exactly:
# $e^{s_j} / \sum_{m \le i} e^{s_m}$ either way.

# %%
zeroed_after = A_qk * mask  # softmax first, then zero the future
renormalised = zeroed_after / zeroed_after.sum(axis=1, keepdims=True)
print("row sums, zeroed after the softmax:", np.round(zeroed_after.sum(axis=1), 3))
print("row sums, masked before the softmax:", np.round(masked.sum(axis=1), 3))
difference = np.abs(renormalised - masked).max()
print(f"zeroed after, then renormalised, vs masked before: max difference {difference:.1e}")

# %% [markdown]
# ## The article's claims, checked
#
# > **Myth** (a common reading of the article): attention was invented by the Transformer
# > ("Attention Is All You Need", 2017).
# >
# > **Fact**: attention came to neural translation with Bahdanau, Cho & Bengio
# > (2014, published at ICLR 2015): an RNN decoder attends over the RNN encoder's states
# > instead of squeezing the sentence into one vector. Luong, Pham & Manning (2015) gave the
# > dot-product ("multiplicative") variants. Vaswani et al. (2017) took the step of dropping
# > recurrence entirely: "the first transduction model relying entirely on self-attention".
#
# > **Claim** (the article): "每个token可以同时“关注”所有其他token" (every token can attend to
# > all the other tokens at once), with "立即访问整个上下文" (immediate access to the whole
# > context).
# >
# > **Verdict: half true.** Every word does reach every other in one step: the path is one
# > step long. But the access is *soft*: the output at position $n$ (the last of $n$ words)
# > depends on word 1 through its weight $a_{n,1}$, and when the weights are spread evenly
# > $a_{n,1} \approx 1/n$. For one random self-attention layer ($d = 64$) the gradient
# > $\lVert \partial y_n / \partial x_1 \rVert$ falls like $1/n$ (log-log slope printed
# > below): a polynomial dilution, far gentler than an RNN's exponential decay, but not free.
# > A trained model can focus (a large score margin), and multi-head attention helps;
# > Vaswani et al. name the "reduced effective resolution due to averaging
# > attention-weighted positions" as the cost. Lesson 09 measures this against an RNN.

# %%
dilution = gradient_vs_distance.attention_gradient_vs_distance()
for n, norm in zip(dilution.lengths, dilution.norms, strict=True):
    print(f"n = {n:>5}: ||dy_n/dx_1|| = {norm:.1e}")
print(f"log-log slope: {dilution.slope:.2f}  (1/n dilution has slope -1)")
lesson.dilution_figure(dilution)

# %% [markdown]
# > **Myth** (a natural assumption after lessons 03 to 06, not the article's words):
# > attention reads the words in order.
# >
# > **Fact**: attention is blind to order. Its scores depend only on the vectors, so a
# > word's weights over the others do not change if the words are shuffled (they move with
# > the words). Without position information in the embeddings, the two "the"s of our
# > sentence are the same vector, so they ask the same question and get *identical* rows
# > (largest difference printed below; try "position information: off" in the slider). This
# > is why the Transformer adds a **positional encoding** (位置编码) to each embedding
# > (lesson 09).

# %%
blind = lesson.hand_set_attention(position_gain=0.0).weights  # the same sentence, no positions
print(
    "largest difference between the two 'the' rows, no positions:",
    np.abs(blind[0] - blind[4]).max(),
)
print("with positions:", np.round(np.abs(A_qk[0] - A_qk[4]).max(), 2))

# %% [markdown]
# ## Summary
#
# - Attention scores every pair of words by a dot product, turns each row of scores into
#   weights with a softmax (positive, summing to 1), and outputs the weighted sum of the
#   values: $\operatorname{softmax}(Q K^\top / \sqrt{d_k})\, V$.
# - Queries (what a word looks for), keys (what it offers to be found by) and values (what it
#   hands over) are three projections of the same embedding; with one vector for all three,
#   each word mostly attends to itself.
# - The course's numpy attention, its backward pass and its multi-head layer agree with
#   PyTorch to about $10^{-16}$.
# - Vaswani et al. scaled by $1/\sqrt{d_k}$ because unscaled dot products lost to additive
#   attention at large $d_k$ (Britz et al. 2017), and suspected why: the variance of
#   $q \cdot k$ is $d_k$, and large $d_k$ makes the softmax nearly one-hot and its gradient
#   tiny. Measured here: median Jacobian $1.3 \times 10^{-4}$ against 0.31 at $d_k = 512$.
# - A causal mask sets future scores to $-\infty$ before the softmax; zeroing weights after it
#   breaks the rows' sum unless you renormalise.
# - Attention is older than the Transformer, its "direct access" is diluted like $1/n$ when
#   the weights are diffuse, and it needs positional information to see order.
#
# Next, lesson 08 puts attention where it entered neural translation, with Bahdanau et al.:
# an English-to-French translation model, with and without attention, and its alignments
# (cat -> chat, sat -> s'est assis).
#
# ## Further reading
#
# - D. Bahdanau, K. Cho, Y. Bengio (2014), "Neural machine translation by jointly learning to
#   align and translate", *ICLR 2015*: attention in an RNN encoder–decoder.
# - M.-T. Luong, H. Pham, C. D. Manning (2015), "Effective approaches to attention-based
#   neural machine translation", *EMNLP*: global and local attention, dot-product scores.
# - A. Vaswani et al. (2017), "Attention is all you need", *NeurIPS*: scaled dot-product and
#   multi-head attention, §3.2 and its footnote on √d_k.
# - D. Britz, A. Goldie, M.-T. Luong, Q. Le (2017), "Massive exploration of neural machine
#   translation architectures", *EMNLP*: the comparison of additive and dot-product attention
#   that Vaswani et al. cite for √d_k.
# - J. Alammar (2018), "The Illustrated Transformer" (blog post): the same computation in
#   pictures.
# - A. Rush (2018), "The Annotated Transformer" (Harvard NLP; workshop paper at NLP-OSS,
#   ACL 2018): the paper line by line in PyTorch.

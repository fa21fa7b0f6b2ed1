# %% [markdown]
# # 10 · Efficient attention and beyond
#
# > What full attention costs as the sequence grows (measured), the sparse and linear variants that cut the cost and what they give up, attention over image patches and over a user's history, and where the field went next.
#
# Lesson 09 showed what attention buys: a fixed number of sequential operations per layer,
# whatever the length, and a path of length one between any two tokens. This lesson measures the bill. Every query scores every key,
# so a sequence of $n$ tokens makes an $n \times n$ matrix: double the length and the work
# and memory quadruple. The article this course follows ends by naming the way out, "sparse
# attention and linear attention", and by listing attention's uses beyond text: vision,
# speech, recommendation. We measure the cost, build the two families of cheaper attention and
# measure how far each lands from the real thing, train attention on image patches and on
# purchase histories, follow it into speech recognition through the papers, and close with
# what came after.
#
# ## What you will learn
#
# - how time and memory of full attention grow with the sequence length, measured, and why a sparse pattern implemented as a mask saves nothing;
# - local (sliding-window) and strided sparse attention, computed without the $n \times n$ matrix, and why two strided layers still connect every pair of tokens;
# - linear attention: a kernel feature map and the associativity of matrix products turn $O(n^2)$ into $O(n)$, and its recurrent form is an RNN;
# - what each variant gives up, as the error of its output against full attention;
# - attention over image patches (a toy Vision Transformer) and over a user's history (next-item recommendation), in speech recognition (from the papers), and what came next: FlashAttention, S4 and Mamba.
#
# ## Prerequisites
#
# - Lesson 07: scaled dot-product attention $\operatorname{softmax}(QK^\top/\sqrt{d_k})V$ in
#   the row convention (`Q @ K.T`), boolean masks (True = may attend), the causal mask.
# - Lesson 09: the costs in Vaswani et al.'s Table 1: $O(n^2 d)$ work per attention layer,
#   $O(1)$ sequential steps, and the wall-clock comparison with an RNN.
# - Lessons 03 and 06: what a recurrent state $h_t$ is, and why it has to be computed step by
#   step.

# %%
import numpy as np

from course_utils import efficient_attention as efficient
from course_utils.env import use_one_thread

use_one_thread()  # the small torch models below run much faster on one thread

from course_utils import attention, checks, complexity
from course_utils import attention_beyond_text as beyond
from course_utils.display import say, show_source
from course_utils.exercises import lesson10 as ex
from course_utils.lessons import lesson10 as lesson

# %% [markdown]
# ## What full attention costs
#
# We time one causal attention of width $d = 64$ (float64 numpy, one sequence) at
# $n = 256, 512, 1024$ and $2048$, and record its **peak memory** (峰值内存): the largest amount of memory
# numpy holds at once during the call, measured with Python's `tracemalloc`. Five variants
# compute the same kind of output (from `course_utils.attention` and
# `course_utils.efficient_attention`; the next sections explain them):
#
# - **full**: `scaled_dot_product_attention` with the causal mask, the $n \times n$ matrix;
# - **local, dense mask**: the same call with a sliding-window mask (32 keys per query);
# - **local (banded)**: the same window, computed block by block without the $n \times n$
#   matrix;
# - **strided**: a band of $\sqrt{n}$ keys plus every $\sqrt{n}$-th earlier key, also without
#   the big matrix;
# - **linear**: linear attention with the $\operatorname{elu}+1$ feature map.
#
# Wall times change from run to run (and the machine may be busy), so read the slopes, not
# the milliseconds. On log-log axes a cost $\propto n^k$ is a straight line of slope $k$.

# %% tags=["nbval-ignore-output"]
costs = complexity.measure_costs()  # n = 256 .. 2048, d = 64, window 32
print(f"{'variant':>18} " + " ".join(f"{'n = ' + str(n):>11}" for n in costs.lengths))
for name, seconds in costs.seconds.items():
    print(f"{name:>18} " + " ".join(f"{1e3 * s:>8.2f} ms" for s in seconds))
lesson.cost_figure(costs)

# %% [markdown]
# The peak memory does not depend on the clock (the same shapes make the same allocations), so
# it can be stated exactly:

# %%
memory = costs.peak_bytes
n = costs.lengths
print(f"{'variant':>18} {'peak at n = 2048':>17} {'x from n = 1024':>16} {'log-log slope':>14}")
for name, peak in memory.items():
    print(
        f"{name:>18} {peak[-1] / 1e6:>14.1f} MB {peak[-1] / peak[-2]:>16.2f} "
        f"{complexity.loglog_slope(n, peak):>14.2f}"
    )
one_matrix = 8 * n[-1] ** 2
print(f"one float64 n x n matrix at n = 2048: {one_matrix / 1e6:.1f} MB; "
      f"full attention's peak holds {memory['full'][-1] / one_matrix:.1f} of them")  # fmt: skip

# %% [markdown]
# Doubling $n$ from 1024 to 2048 multiplies full attention's peak memory by 3.99, slope 2.00:
# quadratic. Its peak at $n = 2048$, about 101 MB (printed above), is three float64
# $n \times n$ matrices alive at once (the scores and the softmax's temporaries). The
# banded local attention and linear attention double their memory when $n$ doubles (slope
# 1.0); the strided pattern sits in between (slope 1.3, on its way to 1.5 =
# $O(n\sqrt{n})$). The time curves tell the same story with more noise (slopes in the
# figure's legend).
#
# **A sparse pattern written as a mask saves nothing.** "Local, dense mask" lies on top of
# "full", in time and in memory: it builds all $n^2$ scores and then throws most of them
# away. Sparse attention only pays off when the code never touches the masked entries, like
# `efficient.local_attention` here, or the block-sparse GPU kernels that real implementations use.
#
# How far does the quadratic go? One float32 score matrix (4 bytes a number), for one head
# of one sequence, at a context of 65,536 tokens:

# %%
print(f"n = 65,536: {4 * 65_536**2 / 2**30:.0f} GiB per float32 score matrix")  # 4 bytes each

# %% [markdown]
# 16 GiB (2^34 bytes) for one head of one layer, before the batch and the other heads multiply it.
#
# > **Myth** (a common reading of the article): attention is $O(1)$, so it is fast at any
# > length.
# >
# > **Fact**: what is $O(1)$ is the number of *sequential* steps per layer and the path
# > length between two tokens (Vaswani et al. 2017, Table 1). The *work* per layer is
# > $O(n^2 d)$ and the score matrix needs $O(n^2)$ memory, measured above; an RNN layer needs
# > $O(n d^2)$ work but $O(n)$ sequential steps. Attention trades a long chain of small steps
# > for a wide, parallel, quadratic one, which pays off on parallel hardware at moderate $n$
# > (lesson 09) and becomes the bottleneck at long $n$.

# %% [markdown]
# ## Sparse attention: look at fewer keys
#
# **Sparse attention** (稀疏注意力) lets each query see only a chosen set of keys. Two
# patterns from the Sparse Transformer (Child, Gray, Radford & Sutskever 2019):
#
# - **local** or **sliding-window attention** (滑动窗口注意力): query $i$ sees the keys
#   $i - w < j \le i$, itself and the $w - 1$ before it;
# - **strided**: the same band of width $\ell$ (the stride), plus every $\ell$-th earlier key
#   $j = i - \ell, i - 2\ell, \dots$
#
# Yellow means "may attend" (64 tokens, window and stride 8):

# %%
n, w = 64, 8
masks = {
    "full causal": attention.causal_mask(n),
    f"local, window {w}": efficient.local_attention_mask(n, w),
    f"strided, stride {w}": efficient.strided_mask(n, w),
}
lesson.pattern_figure(masks)

# %% [markdown]
# A local layer is blind beyond its window, and stacking layers widens the view only by
# $w - 1$ keys per layer (this is the last row of lesson 09's Table 1, self-attention
# restricted to $r = w$ neighbours: $O(rnd)$ work, but a path of $O(n/r)$ layers between
# distant tokens). The strided pattern fixes reach in two hops: to get from token $j$ to token
# $i$, go from $j$ along the band to the nearest position $k$ with $i - k$ a multiple of
# $\ell$, then jump from $k$ to $i$ along the stride. We count, for every causal pair
# $j \le i$, whether some path of at most two hops joins them (`efficient.two_hop_reach`), at
# $n = 1024$ with $\ell = 32 = \sqrt{n}$:

# %%
n, stride = 1024, 32
causal_pairs = n * (n + 1) / 2  # the pairs j <= i
for name, mask in (
    ("local", efficient.local_attention_mask(n, stride)),
    ("strided", efficient.strided_mask(n, stride)),
):
    keys, reach = mask.sum(), efficient.two_hop_reach(mask)
    print(
        f"{name:>8}: {keys / n:.1f} keys per query, {keys / causal_pairs:.1%} of the causal "
        f"entries, pairs joined within two hops: {reach:.1%}"
    )

# %% [markdown]
# With 47 keys per query, 9.2 % of the causal entries (printed above), the strided pattern
# joins 100 % of the pairs within two hops; the band alone, with 6.1 % of the entries, joins
# 11.9 %. With $\ell \approx \sqrt{n}$ each query sees at most about $2\sqrt{n}$ keys (the band
# and up to $n/\ell$ strided ones), so a layer costs $O(n\sqrt{n})$ instead of $O(n^2)$: Child
# et al.'s "sparse factorizations of the attention
# matrix which reduce this to $O(n\sqrt{n})$".
#
# Computing it without the big matrix takes some bookkeeping. The band: cut the sequence into
# blocks of $w$ queries; each block only needs its own keys and the previous block's, a
# $w \times 2w$ score matrix per block, $2nw$ scores in all:

# %%
show_source(efficient.banded_scores)

# %% [markdown]
# The softmax of those scores, applied to the matching values, is local attention:

# %%
show_source(efficient.local_attention)

# %% [markdown]
# ### Exercise 1: a sliding-window mask
#
# Write `window_mask(n, window)`: the $(n, n)$ boolean mask of causal local attention, True
# where query $i$ may attend to key $j$, that is $0 \le i - j <$ `window` (itself and the
# `window - 1` keys before it). Rows are queries, columns keys. Hint: build the matrix of
# offsets $i - j$ with broadcasting.


# %%
def window_mask(n, window):
    """(n, n) boolean: True where 0 <= i - j < window (query i, key j)."""
    # BEGIN SOLUTION
    offset = np.arange(n)[:, None] - np.arange(n)[None, :]  # i - j
    return (offset >= 0) & (offset < window)
    # END SOLUTION


# %%
ex.check_window_mask(window_mask)

# %% [markdown]
# The course's version is `efficient.local_attention_mask`; the banded `efficient.local_attention`
# gives exactly the output of full attention with this mask, without building it (a test
# checks the two agree to round-off).

# %% [markdown]
# ## Linear attention: change the kernel, then change the order
#
# Softmax attention weighs key $j$ for query $i$ by $\exp(q_i \cdot k_j / \sqrt{d_k})$,
# normalised over the keys. **Linear attention** (线性注意力; Katharopoulos, Vyas, Pappas &
# Fleuret 2020) replaces that similarity by a dot product of **feature maps** (特征映射)
# $\phi(q_i) \cdot \phi(k_j)$, with $\phi(x) = \operatorname{elu}(x) + 1$ applied to each entry.
# The ELU (exponential linear unit) is $x$ for $x > 0$ and $e^x - 1$ otherwise, so
# $\phi(x)$ is $x + 1$ or $e^x$: always positive, and the weights stay positive:
#
# $$\text{out}_i = \frac{\sum_j \big(\phi(q_i) \cdot \phi(k_j)\big)\, v_j}{\sum_j \phi(q_i) \cdot \phi(k_j)}
# = \frac{\phi(q_i) \, \big(\sum_j \phi(k_j)^\top v_j\big)}{\phi(q_i) \cdot \sum_j \phi(k_j)} .$$
#
# The second form is the whole trick. In matrices, $(\phi(Q)\phi(K)^\top) V$ builds an
# $n \times n$ matrix, $O(n^2 d)$; by associativity it equals $\phi(Q) (\phi(K)^\top V)$,
# where $\phi(K)^\top V$ is a $d_k \times d_v$ summary of all the keys and values, computed once:
# $O(n d^2)$, linear in $n$. The softmax has no such factorisation: $\exp(q \cdot k)$ is not a
# dot product of finite feature vectors.
#
# Here is the first order, with its $n \times n$ matrix, on $n = 256$ tokens of width 16:

# %%
Q, K, V = efficient.attention_inputs(256, 16)
phi_Q, phi_K = efficient.elu_plus_one(Q), efficient.elu_plus_one(K)
A = phi_Q @ phi_K.T  # (n, n): the weight phi(q_i) . phi(k_j) of key j for query i
quadratic = (A @ V) / A.sum(axis=1, keepdims=True)  # each row of weights sums to 1
print(f"A: {A.shape}, every entry positive: {bool((A > 0).all())}; output: {quadratic.shape}")

# %% [markdown]
# ### Exercise 2: linear attention in the O(n) order
#
# Write `linear_attention(Q, K, V)` (non-causal) in the $O(n)$ order. Shapes: `Q`, `K` are
# $(n, d_k)$, `V` is $(n, d_v)$, the output $(n, d_v)$. Use `efficient.elu_plus_one` for $\phi$;
# compute the summary $S = \phi(K)^\top V$ and the normaliser
# $z = \sum_j \phi(k_j)$, then divide row $i$ of $\phi(Q) S$ by $\phi(q_i) \cdot z$. No
# $n \times n$ matrix: the checker also runs your function at $n = 1024$ and measures its
# peak memory, which an $n \times n$ array would exceed even when the values are right.


# %%
def linear_attention(Q, K, V):
    """phi(Q) (phi(K)^T V), each row divided by phi(q_i) . sum_j phi(k_j); phi = elu + 1.

    Q, K: (n, d_k), V: (n, d_v) -> (n, d_v).
    """
    # BEGIN SOLUTION
    fq, fk = efficient.elu_plus_one(Q), efficient.elu_plus_one(K)
    S = fk.T @ V  # (d_k, d_v): every key and value, summarised once
    z = fk.sum(axis=0)  # (d_k,)
    return (fq @ S) / (fq @ z)[:, None]
    # END SOLUTION


# %%
ex.check_linear_attention(linear_attention)

# %% [markdown]
# Here is what the checker says about the most common slip, forgetting the normaliser
# (`ex.LINEAR_MISTAKES[0].fn`):

# %%
checks.demo(ex.check_linear_attention, ex.LINEAR_MISTAKES[0].fn)

# %% [markdown]
# ### Transformers are RNNs
#
# With a causal mask, query $t$ may only use keys $j \le t$, so the summary becomes a running
# sum: a **state** that is updated once per token,
#
# $$S_t = S_{t-1} + \phi(k_t)^\top v_t, \qquad z_t = z_{t-1} + \phi(k_t), \qquad
# \text{out}_t = \frac{\phi(q_t)\, S_t}{\phi(q_t) \cdot z_t} .$$
#
# This is a recurrent network with a $d_k \times d_v$ state, the title of Katharopoulos et
# al.'s paper: "Transformers are RNNs". Generating text this way costs the same at every
# step, where softmax attention must look back over a cache of keys and values that grows
# with every token (their paper reports autoregressive prediction "up to 4000x faster" on very
# long sequences). One step, as code:

# %%
show_source(efficient.linear_attention_step)

# %% [markdown]
# The parallel form (the masked $n \times n$ matrix), the recurrent form (one step per
# token) and a chunked form in between (`efficient.linear_attention_chunked`: the masked matrix
# inside chunks of 32 tokens, the running state across chunks) must agree, and so must the two
# orders of the non-causal form (`efficient.linear_attention` is the $O(n)$ one). On the same
# $Q, K, V$ as above ($n = 256$, $d = 16$), the largest differences, in float64:

# %%
state = efficient.LinearState(S=np.zeros((16, 16)), z=np.zeros(16))
recurrent = np.empty_like(V)
for t in range(len(V)):  # one token at a time, like an RNN
    state, recurrent[t] = efficient.linear_attention_step(state, Q[t], K[t], V[t])
causal = A * attention.causal_mask(len(A))  # the parallel form: key j <= i only
parallel = (causal @ V) / causal.sum(axis=1, keepdims=True)
chunked = efficient.linear_attention_chunked(Q, K, V, chunk=32)
for name, difference in {
    "two orders (non-causal)": quadratic - efficient.linear_attention(Q, K, V),
    "recurrent vs parallel (causal)": recurrent - parallel,
    "chunked vs parallel (causal)": chunked - parallel,
}.items():
    print(f"{name:>32}: {np.abs(difference).max():.1e}")

# %% [markdown]
# All at round-off level, below $10^{-15}$ (printed above): the same function, computed in
# parallel for training and as a recurrence for generation.

# %% [markdown]
# The two ways of generating text show plainly what attention keeps and what it does not:
# softmax attention reads again, at every step, a cache that grows with every token; linear
# attention folds the past into a state of fixed size.
#
# > **Claim** (the article): attention "不仅仅是“关注”,而是智能地选择和存储来自输入序列的最重要信息"
# > (is not merely "paying attention": it intelligently selects and stores the most important
# > information from the input sequence).
# >
# > **Verdict: half true.** It selects, softly: the output is "a weighted sum of the values,
# > where the weight assigned to each value is computed by a compatibility function of the
# > query with the corresponding key" (Vaswani et al. 2017, §3.2). That is a *read*: an
# > attention layer has no memory of its own and keeps nothing from one call to the next.
# > What a Transformer stores is its weights, learned in training, and, while it generates
# > text, the key-value cache of lesson 09: the keys and values of *every* earlier token,
# > important or not, kept in full so that each new query can read them again. Nothing is
# > chosen for storage; the cache grows by one key and one value per token, in every layer
# > and head. The model that does compress its past into a fixed-size store is the recurrent
# > one, such as the state $S_t$ of linear attention above, or an LSTM's cell.

# %% [markdown]
# ## What they give up: error against full attention
#
# Speed is half the story; the other half is how far each output lands from full causal
# attention on the same $Q, K, V$. We measure the **relative error** (相对误差)
# $\lVert O_{\text{approx}} - O_{\text{full}} \rVert_F / \lVert O_{\text{full}} \rVert_F$ (the
# Frobenius norm $\lVert \cdot \rVert_F$ is the square root of the sum of the squared entries) at
# $n = 1024$ (window and stride 32) on two kinds of input:
#
# - **random**: $q$, $k$ with independent $N(0, 1)$ entries; the weights are diffuse, spread
#   over the whole past;
# - **mostly local**: the same plus sinusoidal position features (Vaswani et al. 2017,
#   §3.5) added to queries and keys, which pull each query towards nearby keys
#   (`efficient.attention_inputs(..., locality=16)`).
#
# The mean weight that full attention puts on a key $i - j$ steps back, for both:

# %%
profiles = {name: lesson.weights_by_distance(locality) for name, locality in lesson.INPUTS.items()}
lesson.inputs_figure(profiles)

# %% [markdown]
# A sparse pattern computes the softmax over its allowed keys only, which is the same as
# taking full attention's weights on those keys and rescaling them to sum to 1
# (`efficient.restrict_to_mask`; the factor $\sum_{\text{all } j} e^{s_{ij}}$ cancels). So its
# error is decided by the **weight it drops**: a query whose full weights lie inside the
# pattern is exact.

# %%
n, window = 1024, 32
for inputs, locality in lesson.INPUTS.items():
    Q, K, V = efficient.attention_inputs(n, 64, locality)
    full = attention.scaled_dot_product_attention(Q, K, V, attention.causal_mask(n))
    print(f"{inputs} inputs:")
    for name, mask, output in (
        ("local", efficient.local_attention_mask(n, window),
         efficient.local_attention(Q, K, V, window)),
        ("strided", efficient.strided_mask(n, window),
         efficient.strided_attention(Q, K, V, window)),
    ):  # fmt: skip
        kept = efficient.kept_mass(full.weights, mask).mean()
        error = efficient.relative_error(output, full.output)
        print(f"  {name:>8}: keeps {kept:.1%} of the full weight, relative error {error:.2f}")
    linear = efficient.linear_attention_chunked(Q, K, V)
    print(f"  {'linear':>8}: relative error {efficient.relative_error(linear, full.output):.2f}")

# %% [markdown]
# On random inputs the sparse patterns keep only about 14 % (local) and 17 % (strided) of the
# weight, and their outputs are far from full attention's: relative errors of 2.13 and 1.76
# (printed above; above 1 because an average over 32 values is much larger than an average
# over hundreds, and unrelated to it). On mostly local inputs they keep about 90 % and the
# error falls to about 0.16 and 0.15. Sparse attention is a good approximation exactly when
# attention is sparse in the data.
#
# Linear attention fails the other way round: 0.70 on random inputs and 0.99 on local ones.
# It is not an approximation of the softmax at all, but a *different kernel*: the weights
# $\phi(q)\cdot\phi(k)$ of positive features change slowly with the key and cannot pick out
# one nearby key the way $\exp$ can. A model trained with linear attention learns $Q$ and $K$
# for its own kernel; plugging it into a softmax model's weights is not expected to work.
#
# Move the window below. Left: the share of its full weight that each query keeps (queries
# late in the sequence have more past to lose); right: the error against the window, for
# both patterns, with linear attention (no window) as a dashed line. The sequence has 512
# tokens; switch the inputs to "mostly local" and watch the errors collapse. At the ends of the
# range both patterns become exact: a window of 512 holds every key, and so does a stride of 1.

# %% tags=["nbval-ignore-output"]
lesson.tradeoff_slider()

# %% [markdown]
# The same figure at windows 8, 32 and 128, random inputs:

# %%
lesson.tradeoff_sweep()

# %% [markdown]
# > **Claim** (the article): researchers are exploring new attention mechanisms,
# > "例如稀疏注意力机制、线性注意力机制等,以提高模型的效率和性能" (such as sparse and linear
# > attention, to improve models' efficiency and performance).
# >
# > **Verdict: half true.** Efficiency, yes: that is what they are for, and the costs above
# > show it. Performance, not for free: each buys its speed with something. A sparse pattern
# > (Child et al. 2019) drops every key outside it: exact where attention is local or follows
# > the pattern, wrong where the weight lies elsewhere (the errors above), and fast only if the
# > code skips the masked entries. Linear attention (Katharopoulos et al. 2020) changes the
# > similarity function itself, so a model must be trained for it. Low-rank methods such as Linformer (Wang et
# > al. 2020) project keys and values along the sequence with *learned* matrices, betting that
# > the attention matrix is approximately low-rank. Much of today's practice instead keeps
# > exact softmax attention and makes it cheaper to compute (FlashAttention, below).

# %% [markdown]
# ## Beyond text 1: an image is a sequence of patches
#
# Attention does not care what its tokens are. The **Vision Transformer** (视觉 Transformer,
# ViT; Dosovitskiy et al. 2021) cuts an image into **patches** (图像块) of 16 × 16 pixels,
# flattens each patch into a vector, embeds it linearly, adds a position embedding, and feeds
# the sequence of patches to a standard Transformer encoder.
#
# Our toy does the same at a small scale: 16 × 16 noisy images of four shapes (a horizontal
# bar, a vertical bar, a square outline, a cross, at random places and sizes), cut into
# 4 × 4 patches: 16 tokens of 16 pixels. The model (`attention_beyond_text.AttentionReadout`) embeds each
# patch, adds a learned position embedding (a trained vector per position, instead of lesson
# 09's fixed sinusoids), and lets one learned query, the class token,
# attend over the 16 patches; a small MLP reads out the class. It is one attention layer with
# no self-attention between the patches, far smaller than a ViT, but it reads patches the same
# way.
#
# ### Exercise 3: cut an image into patches
#
# Write `patchify(image, p)`: an $(H, W)$ image becomes an array of shape
# $(H/p \cdot W/p,\; p \cdot p)$, one row per $p \times p$ patch. List the patches row by row
# (left to right, then top to bottom), and flatten each patch row by row. A plain
# `image.reshape(-1, p * p)` is wrong: it cuts runs of pixels along each row, not squares.
# Hint: `reshape` to $(H/p, p, W/p, p)$, then `transpose` so the two patch-grid axes come
# first.


# %%
def patchify(image, p):
    """(H, W) -> (H/p * W/p, p * p): patches row by row, each flattened row by row."""
    # BEGIN SOLUTION
    H, W = image.shape
    blocks = image.reshape(H // p, p, W // p, p)  # (patch row, pixel row, patch col, pixel col)
    return blocks.transpose(0, 2, 1, 3).reshape(-1, p * p)
    # END SOLUTION


# %%
ex.check_patchify(patchify)

# %% [markdown]
# The course's `attention_beyond_text.patchify` does the same (with an optional batch axis). Now train the
# toy ViT: 400 steps of Adam on fresh random images, then the accuracy on 1000 held-out
# images (chance: 25 %).

# %% tags=["nbval-ignore-output"]
vit = beyond.train(beyond.make_vit(seed=0), "vision")

# %%
print(f"toy ViT, held-out accuracy: {vit.accuracy:.1%} (chance 25.0%)")
lesson.vision_figure(vit.model)

# %% [markdown]
# Far above chance: in six seeds, with both of torch's kernel settings, it scored above 90 %. The bottom row shows the class token's weights over the
# $4 \times 4$ grid of patches for one test image of each class (bright = large weight):
# compare the bright patches with the shape above them. Nothing told the model where the
# shape was; the weights come from the patches' contents and positions.
#
# A word of proportion: this is an easy synthetic task for a tiny model. On real images, ViT
# trained on mid-sized data sets such as ImageNet without strong regularisation reaches
# "modest accuracies of a few percentage points below ResNets" (Dosovitskiy et al. 2021); it
# matches or beats convolutional networks after pre-training on much larger data sets
# (ImageNet-21k, JFT-300M). Attention brings few built-in assumptions about
# images, and data has to make up for them.

# %% [markdown]
# ## Beyond text 2: a user's history is a sequence of purchases
#
# **Sequential recommendation** (序列推荐) predicts the next item a user will pick from the
# items they picked before. SASRec (Kang & McAuley 2018) and BERT4Rec (Sun et al. 2019) treat
# the history as a sentence and use self-attention over it, so the model can decide which
# past items matter for the next one.
#
# Our toy shop sells 40 items: 10 main products (a camera, a bicycle, ...), their 10
# accessories, and 20 everyday items. Each synthetic user's history holds 12 purchases, 2 or
# 3 of them main products, and the user's next purchase is the accessory of the **most
# recent** main product. We measure the **hit rate** (命中率) at 1: the share of 1000
# held-out users for whom the top recommendation is the item they pick next. Three
# recommenders:
#
# - **attention**: the same `AttentionReadout` as the ViT, over item embeddings and
#   positions;
# - **average of history**: the same network with the attention weights fixed to $1/12$, a
#   plain mean of the history (order-blind);
# - **most popular**: always the most frequent next item in the training data.

# %% tags=["nbval-ignore-output"]
attentive = beyond.train(beyond.make_recommender(seed=0), "recommend")
averaging = beyond.train(beyond.make_recommender(seed=0, uniform=True), "recommend")

# %%
hit_rates = {
    "attention": attentive.accuracy,
    "average of history": averaging.accuracy,
    "most popular": beyond.popularity_hit_rate(),
}
on_deciding = beyond.weight_on_deciding_item(attentive.model)
print("hit rate at 1: " + ", ".join(f"{name} {rate:.1%}" for name, rate in hit_rates.items()))
print(f"attention's mean weight on the main product that decides: {on_deciding:.2f}")
lesson.recommend_figure(hit_rates, attentive.model)

# %%
say(
    "Attention got {attention:.1%} of the held-out users right, the average of the history "
    "{average:.1%}, and the most popular item {popular:.1%}; on average {weight:.2f} of "
    "attention's weight sits on the deciding purchase.",
    attention=hit_rates["attention"],
    average=hit_rates["average of history"],
    popular=hit_rates["most popular"],
    weight=on_deciding,
)

# %% [markdown]
# The average knows which main products the user bought but not which came last, so with two
# or three candidates it guesses. Attention learns to weigh each purchase by what it is (a
# main product) and where it is (the later the better); the right panel shows the median
# user. These are synthetic shoppers with a rule we chose; real histories
# are noisier, and the papers above report their own benchmarks, which we do not reproduce.

# %% [markdown]
# ## Beyond text 3: speech
#
# The article's third application, speech recognition, is described here from the papers,
# not reproduced: its model "关注语音信号中与当前音素相关的部分" (attends to the parts of the
# speech signal related to the current phoneme). Attention came to speech inside recurrent
# models: Chorowski et al. (2015) let an RNN decoder attend over the frames of the audio, much
# as lesson 08's translator attends over source words. Then the recurrence went, as in
# translation:
#
# - the Speech-Transformer (Dong, Xu & Xu 2018) is "a no-recurrence sequence-to-sequence
#   model" built on attention alone, which in the authors' words "can be trained faster with
#   more efficiency";
# - the Conformer (Gulati et al. 2020) adds a convolution to each Transformer block, because
#   "Transformer models are good at capturing content-based global interactions, while CNNs
#   exploit local features effectively";
# - Whisper (Radford et al. 2023) is an encoder-decoder Transformer trained on "680,000 hours
#   of multilingual and multitask supervision".
#
# Speech sequences are long (Whisper computes a spectrogram frame every 10 milliseconds of
# audio, 100 frames per second), so the quadratic cost measured at the start of this lesson
# matters there too.

# %% [markdown]
# ## Where the field went next
#
# The article stops at sparse and linear attention (2019-2020). Two directions stand out
# since; we describe them as their authors do, without reproducing their results.
#
# - **Exact attention, computed in a smarter order.** FlashAttention (Dao, Fu, Ermon, Rudra &
#   Ré 2022, NeurIPS) computes the *same* softmax attention, not an approximation. It processes
#   queries and keys in tiles small enough for the GPU's fast on-chip memory and keeps a
#   running softmax (the maximum and the sum so far, rescaled as new tiles arrive), so the
#   $n \times n$ matrix is never written to the GPU's main memory. The arithmetic is still
#   $O(n^2 d)$; what shrinks is the memory traffic, and the extra memory becomes linear in $n$.
#   Our banded local attention shares one ingredient, working block by block without ever
#   holding the whole matrix; for full attention the running softmax is what lets the blocks
#   be combined exactly.
# - **Recurrence returns, in linear form.** Structured state-space models, S4 (Gu, Goel & Ré
#   2022, ICLR), and Mamba (Gu & Dao 2023, arXiv) process a sequence with a *linear* recurrence
#   $h_t = A h_{t-1} + B x_t$, readout $y_t = C h_t$ (column vectors, as the papers write them; the discretised form of a continuous-time
#   system, with a step size): linear time in $n$, a fixed-size state for generation, like
#   linear attention's $S_t$ above. Because the recurrence is linear
#   (no $\tanh$ between steps), it can also be computed for all positions at once (S4 as a
#   long convolution, Mamba with a parallel scan, which combines the steps pairwise in about
#   $\log_2 n$ rounds), so training parallelises the way attention's does. Mamba makes the
#   recurrence depend on the input ("selective": $B$, $C$ and the step size used to discretise
#   $A$ are computed from $x_t$), which lets it choose what to keep. The lesson
#   of lessons 03 to 05 still holds: the product of many step Jacobians must neither vanish
#   nor explode, and these models control it through how $A$ is parametrised and initialised.
#
# Some recent models mix the two, with attention layers where exact recall matters and
# recurrent or state-space layers for cheap long context; which mix works best is still being
# worked out.

# %% [markdown]
# ## Summary
#
# - Full attention's work and memory grow like $n^2$: measured peak memory $\times 3.99$ per
#   doubling of $n$, about 101 MB at $n = 2048$, 16 GiB for a single float32 score matrix at
#   $n = 65{,}536$. Its $O(1)$ is in sequential steps and path length, not in cost.
# - Sparse patterns cut the cost only when the computation skips the masked entries. The
#   strided pattern sees 9.2 % of the causal entries at $n = 1024$ and still joins every pair
#   within two hops.
# - Linear attention replaces $\exp(q \cdot k)$ by $\phi(q)\cdot\phi(k)$, so
#   $\phi(Q)(\phi(K)^\top V)$ costs $O(n)$; causal, it is an RNN with a matrix state. Its
#   orders and forms agree to round-off.
# - Both trade accuracy: sparse patterns lose the weight outside the pattern (error 2.13 on
#   diffuse inputs, 0.16 on local ones for a 32-key window), linear attention is a different
#   kernel (error 0.70 and 0.99).
# - Attention works on any tokens: image patches (a toy ViT above 90 % on four shapes, in
#   every seed we tried), purchase histories (a hit rate above 99 % where the order-blind
#   average stays near 40 %, in every seed we tried) and, in the papers, speech (the
#   Speech-Transformer, the Conformer, Whisper).
# - Attention reads: it weighs values it is given and stores nothing. While a Transformer
#   generates, the key-value cache keeps every past key and value; linear attention and
#   state-space models instead compress the past into a fixed-size state.
# - Since then: FlashAttention keeps attention exact and tiles it; S4 and Mamba bring back
#   recurrence in a linear, parallel-trainable form.
#
# Next, lesson 11 stacks causal attention blocks into a language model, a GPT in miniature:
# trained in parallel, it generates one word at a time from a key/value cache, and its wrap-up
# puts the whole course on one page.
#
# ## Further reading
#
# - R. Child, S. Gray, A. Radford, I. Sutskever (2019), "Generating long sequences with sparse
#   Transformers", arXiv:1904.10509: local and strided patterns, $O(n\sqrt{n})$.
# - A. Katharopoulos, A. Vyas, N. Pappas, F. Fleuret (2020), "Transformers are RNNs: fast
#   autoregressive Transformers with linear attention", *ICML*.
# - S. Wang, B. Z. Li, M. Khabsa, H. Fang, H. Ma (2020), "Linformer: self-attention with
#   linear complexity", arXiv:2006.04768: learned low-rank projections.
# - A. Dosovitskiy et al. (2021), "An image is worth 16x16 words: Transformers for image
#   recognition at scale", *ICLR*: the Vision Transformer.
# - W.-C. Kang, J. McAuley (2018), "Self-attentive sequential recommendation", *ICDM*
#   (SASRec); F. Sun et al. (2019), "BERT4Rec: sequential recommendation with bidirectional
#   encoder representations from Transformer", *CIKM*.
# - J. Chorowski, D. Bahdanau, D. Serdyuk, K. Cho, Y. Bengio (2015), "Attention-based models
#   for speech recognition", *NeurIPS* (then NIPS).
# - L. Dong, S. Xu, B. Xu (2018), "Speech-Transformer: a no-recurrence sequence-to-sequence
#   model for speech recognition", *ICASSP*.
# - A. Gulati et al. (2020), "Conformer: convolution-augmented Transformer for speech
#   recognition", *Interspeech*.
# - A. Radford, J. W. Kim, T. Xu, G. Brockman, C. McLeavey, I. Sutskever (2023), "Robust
#   speech recognition via large-scale weak supervision", *ICML* (Whisper; arXiv:2212.04356).
# - T. Dao, D. Y. Fu, S. Ermon, A. Rudra, C. Ré (2022), "FlashAttention: fast and
#   memory-efficient exact attention with IO-awareness", *NeurIPS*.
# - A. Gu, K. Goel, C. Ré (2022), "Efficiently modeling long sequences with structured state
#   spaces", *ICLR* (S4); A. Gu, T. Dao (2023), "Mamba: linear-time sequence modeling with
#   selective state spaces", arXiv:2312.00752.
# - L. Weng (2020), "The Transformer family" (blog post, lilianweng.github.io): a survey of
#   sparse, linear and low-rank attention.

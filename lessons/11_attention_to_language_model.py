# %% [markdown]
# # 11 · From attention to a language model
#
# > A GPT in miniature: a causal Transformer trained live to predict the next word of a toy English and measured on long-range agreement; why its training is parallel and its generation is not; the key/value cache; sampling with a temperature; an LSTM beside it; what makes a model "large"; and the whole course on one page.
#
# The article this course follows opens on ChatGPT and GPT-4: "在ChatGPT、GPT-4等前沿AI模型展现出惊人能力背后,
# 隐藏着一项革命性的技术——注意力机制" (behind the astonishing abilities of frontier models such as
# ChatGPT and GPT-4 hides a revolutionary technique: the attention mechanism), which it calls
# "今天大型语言模型(LLM)的基石" (the cornerstone of today's large language models). Lessons 07 to
# 10 built attention, a Transformer block, and measured what they cost. None of them built the
# object the article starts from: a model that reads text and predicts the next word. This
# lesson joins lesson 07's causal mask and lesson 09's block into a GPT in miniature, trains
# it on a small English whose grammar we know, so that we can *measure* what it learned, and
# then times what the article's "fully parallel" leaves out: generating text still goes one
# word at a time.
#
# ## What you will learn
#
# - what a language model computes, the probability of the next word, and how it is trained: the next-token loss, with inputs and targets shifted by one (you will write it);
# - a GPT in miniature built from lessons 07 and 09, checked against PyTorch, trained live, and measured on subject–verb agreement across up to 28 words and on the grammar of its own samples;
# - why training is parallel over positions while generation is sequential, and how the key/value cache makes each new word cheap, measured (you will write one cached step);
# - how a temperature and top-k steer sampling (you will write them), and how an LSTM of about the same size compares on this CPU, whatever the result;
# - what makes a model "large", what lies beyond this course, and the whole course on one page.
#
# ## Prerequisites
#
# - Lesson 06: the agreement task (the verb's number must match a subject many words back)
#   and binary cross-entropy.
# - Lesson 07: scaled dot-product attention, softmax and its entropy, and the causal mask
#   (query $i$ may attend to keys $j \le i$).
# - Lesson 09: the Pre-LN Transformer block, positions, and Table 1 (sequential operations and
#   path length).
# - Lesson 10: attention's $O(n^2)$ cost, and linear attention's recurrent form.

# %%
import numpy as np
import torch

from course_utils.env import use_one_thread

use_one_thread()  # small torch models run much faster on one thread

from course_utils import attention, checks, gpt, language
from course_utils.display import say, show_source
from course_utils.exercises import lesson11 as ex
from course_utils.lessons import lesson11 as lesson

# %% [markdown]
# ## A language model predicts the next word
#
# A **language model** (语言模型) gives a probability to every sequence of words. By the chain
# rule of probability, that is a product of one factor per word, each the probability of the
# next word given the words before it:
#
# $$P(w_1, \dots, w_n) = \prod_{t=1}^{n} P(w_t \mid w_1, \dots, w_{t-1}).$$
#
# A network that outputs those factors, a distribution over the vocabulary for the next word,
# is trained by **next-token prediction** (下一个词预测) on ordinary text: every position of every
# sentence is an example, and no labels are needed. It writes text **autoregressively**
# (自回归): it draws a word, appends it to its input and draws the next, in Vaswani et al.'s
# (2017, §3) words "consuming the previously generated symbols as additional input when
# generating the next".
#
# ### A toy English with long-range agreement
#
# Samples of a model trained on real text are hard to grade, and real text is too large for
# this CPU. So the corpus of this lesson is a small English whose grammar the course knows
# (`course_utils.language`): lesson 06's agreement task written as sentences.
#
# $$\text{S} \to \text{NP}\ \ \text{MOD}^*\ \ \text{VP}\ \ . \qquad
#   \text{NP} \to \textit{the}\ [\text{ADJ}]\ \text{NOUN} \qquad
#   \text{MOD} \to \textit{near}\ \text{NP} \mid \textit{with}\ \text{NP} \mid \textit{that}\ \text{NP}\ \text{V}_t
#   \qquad \text{VP} \to \text{V}_i \mid \text{V}_t\ \text{NP}$$
#
# The main verb agrees in number with the subject, the first noun, however many modifiers
# stand between them; the verb of a relative clause ("that the mice *chase*") agrees with the
# noun just before it. Each noun in a modifier is singular or plural with probability 1/2, so
# the nearest noun says nothing about the main verb: it is an *attractor*, as in lesson 06.
# The **distance** is the verb's position minus the subject's: 1 when the verb follows its
# subject directly ("the cats chase"), more with every word between them. A few training
# sentences, subject and verb in brackets:

# %%
corpus = language.load_corpus()
mean_words = np.mean([len(s.words) for s in corpus.train])
print(f"{len(corpus.train)} training and {len(corpus.test)} test sentences (no sentence in "
      f"both), {mean_words:.1f} words long on average; {len(language.VOCAB)} tokens: "
      f"{' '.join(language.VOCAB[1:])}")  # fmt: skip
for sentence in lesson.examples():
    print(lesson.format_sentence(sentence))

# %% [markdown]
# Because the grammar is known, a parser can grade any sequence of words, and say what is
# wrong. We will use it on the model's own samples:

# %%
for text in (
    "the cats near the dog sleep .",
    "the cats near the dog sleeps .",
    "the cats that the dog sleep .",
):
    p = language.parse(text.split())
    print(f"{text:<32} {'grammatical' if p.grammatical else p.problem}")

# %% [markdown]
# ### The loss: inputs and targets shifted by one
#
# Each sentence is fed to the model after a start token, for which we reuse ".", the token that
# ends every sentence: a new sentence begins after a full stop. The model reads the tokens
# $x_0, \dots, x_{T-1}$ and outputs, at every position $t$, logits $z_t$ over the 27 tokens:
# its prediction of $x_{t+1}$. The loss is the cross-entropy of lesson 06, now over the
# vocabulary instead of two classes, averaged over the $B$ sentences of a batch and their
# $T - 1$ predictions:
#
# $$L = -\frac{1}{B\,(T-1)} \sum_{b=1}^{B} \sum_{t=0}^{T-2}
#       \log \operatorname{softmax}(z_{b,t})_{x_{b,t+1}} .$$
#
# The last position predicts nothing we can check, and the first token is never a target. A
# model that knows nothing spreads its probability evenly and scores $\ln 27 \approx 3.30$
# nats per token; a perfect model does not reach 0, because most next words are free choices
# of the grammar (which noun, which adjective, whether a modifier follows).
#
# ### Exercise 1: the next-token loss
#
# Write `next_token_loss(logits, tokens)` in numpy: `logits` of shape $(B, T, V)$, `tokens` of
# shape $(B, T)$ (integers), and the loss above as a float. Compute the log-softmax over the
# last axis stably (subtract the maximum first: lesson 07), then pick, for every $b$ and
# $t < T - 1$, the entry of token $x_{b,t+1}$ (`np.take_along_axis` does it in one call).


# %%
def next_token_loss(logits, tokens):
    """Mean over b and t < T - 1 of -log softmax(logits[b, t])[tokens[b, t + 1]]."""
    # BEGIN SOLUTION
    z = logits[:, :-1]  # the predictions that have a next token
    z = z - z.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    targets = tokens[:, 1:]  # the next tokens
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)
    return -picked.mean()
    # END SOLUTION


# %%
ex.check_next_token_loss(next_token_loss)

# %% [markdown]
# The most common slip is to forget the shift and score each position against its own token,
# which the model can see. The checker names it:

# %%
checks.demo(ex.check_next_token_loss, ex.LOSS_MISTAKES[0].fn)

# %% [markdown]
# The course's torch version does the same and skips the padding that fills the end of the
# shorter sentences of a batch:

# %%
show_source(gpt.lm_loss)

# %% [markdown]
# ## A GPT in miniature
#
# GPT (Radford et al. 2018) kept only one half of the 2017 Transformer: "a 12-layer
# decoder-only transformer with masked self-attention heads". A **decoder-only**
# (仅解码器) Transformer has no encoder and no cross-attention: it is a stack of lesson 09's
# blocks whose self-attention carries lesson 07's causal mask, so that position $t$ sees only
# positions $0, \dots, t$. That mask is what makes every position a fair next-word question:
# the answer is always in the future. Here is the attention, for the last $T$ of $n$ positions
# (all of them during training; one, during generation, as we will see):

# %%
show_source(gpt.causal_attention)

# %% [markdown]
# The block is lesson 09's Pre-LN block with that attention, and the model stacks two of them
# between an embedding and a read-out:

# %%
show_source(gpt.DecoderBlock)

# %%
show_source(gpt.GPT)

# %% [markdown]
# Three details follow GPT rather than lesson 09. Positions are a learned table, one vector per
# position ("We used learned position embeddings instead of the sinusoidal version proposed in
# the original work", Radford et al. 2018, §4.1), so the model has a fixed context, 64 tokens
# here. A last LayerNorm sits before the read-out (GPT-2: "an additional layer normalization
# was added after the final self-attention block", Radford et al. 2019, §2.3). And the read-out
# gives one logit per token of the vocabulary. (GPT also uses the GELU activation in its MLP;
# we keep lesson 09's ReLU.) Our model has 4 heads of 8 numbers in $d_{model} = 32$.
#
# Before training it, we check it, in float64. The attention must agree with PyTorch's
# `scaled_dot_product_attention(is_causal=True)` and with lesson 07's numpy attention given
# the causal mask (2 sequences, 4 heads, 12 positions, $d_k = 8$):

# %%
g = torch.Generator().manual_seed(0)
q, k, v = torch.randn(3, 2, 4, 12, 8, dtype=torch.float64, generator=g)
ours = gpt.causal_attention(q, k, v).numpy()
references = {
    "torch's scaled_dot_product_attention": (
        torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
    ),
    "lesson 07's numpy attention": attention.scaled_dot_product_attention(
        q.numpy(), k.numpy(), v.numpy(), attention.causal_mask(12)
    ).output,
}
for name, reference in references.items():
    print(f"attention vs {name:>36}: {np.abs(ours - reference).max():.1e}")

# %% [markdown]
# And a block must agree with PyTorch's `nn.TransformerEncoderLayer(norm_first=True)` given a
# causal mask (`gpt.to_torch_layer` copies the weights), and the key/value cache, explained
# below, must give the same logits as a full forward pass:

# %%
for name, difference in lesson.block_and_cache_checks().items():
    print(f"{name:>50}: {difference:.1e}")
gpt_model, lstm_model = (gpt.make_model(kind, len(language.VOCAB)) for kind in ("gpt", "lstm"))
for kind, model in (("gpt", gpt_model), ("lstm", lstm_model)):
    print(f"{lesson.NAMES[kind]:>18}: {gpt.parameter_count(model):,} parameters")

# %% [markdown]
# All four differences are round-off, below $10^{-14}$ (printed above). The LSTM is the model
# we compare with at the end of the lesson, sized to about the same number of parameters (a
# little fewer, printed above).
#
# ## Training it
#
# `gpt.train_lm` is lesson 06's loop for a language model: Adam (`training.Adam`) at a learning
# rate of 0.01, gradients clipped at norm 1, 500 steps of 32 random training sentences. Every
# 50 steps it measures the loss on 400 test sentences, and a *probe* that the loss does not
# show: on 300 other test sentences with a distance of 8 or more, how often the model gives the
# main verb in the right number a higher probability than the same verb in the wrong number
# (two forms of the same verb, compared as in the agreement tests of language models that
# followed Linzen, Dupoux & Goldberg 2016). Chance is 50 %.

# %%
show_source(gpt.train_lm)

# %% tags=["nbval-ignore-output"]
live = lesson.run("gpt")  # a few seconds

# %%
r = live.result
print(f"{'step':>5} {'test loss':>10} {'agreement at distance >= 8':>28}")
for step, loss, far in zip(r.eval_steps, r.test_loss, r.probe, strict=True):
    print(f"{step:>5} {loss:>10.3f} {far:>28.1%}")

# %%
say(
    "In this run the test loss fell from {first:.2f} to {last:.2f} nats per token, and the "
    "agreement at distance 8 or more {phrase}.",
    first=r.test_loss[0],
    last=r.final,
    phrase=lesson.learning_phrase(r),
)

# %% [markdown]
# Look at the two columns together. In every run we made, the loss fell fast at first
# (frequent words, then the local grammar: "the" is followed by an adjective or a noun) and
# then flattened, while the agreement probe sat near chance for a while and then jumped. The
# jump barely moves the loss: it improves one word per sentence, the main verb, out of about 18
# (the average length, printed at the start). What a model learned is not always visible in
# its loss.
#
# ### What it learned: agreement against distance
#
# The probe, now on all 1400 test sentences, by distance:

# %%
gpt_agreement = lesson.agreement(live.model)
for label, accuracy, count in zip(
    lesson.bin_labels(), gpt_agreement.accuracy, gpt_agreement.counts, strict=True
):
    print(f"distance {label:>5}: {accuracy:6.1%} of {count} sentences")
lesson.agreement_figure({"gpt": gpt_agreement})

# %%
say(
    "At distance 8 or more, this run put the verb in the right number in {far:.1%} of the test "
    "sentences, and at the longest distances (24 to 28 words) in {longest:.1%}.",
    far=gpt_agreement.far,
    longest=gpt_agreement.accuracy[-1],
)

# %% [markdown]
# ### What it learned: the grammar of its own samples
#
# Agreement is one rule. The grammar has others: a relative clause needs its verb, a
# transitive verb its object, "the" a noun. We let the model write 300 sentences after the
# start token (temperature 1, explained below) and grade each with the parser:

# %% tags=["nbval-ignore-output"]
written = lesson.samples(live.model)
for words, parse in list(zip(written.sentences, written.parses, strict=True))[:6]:
    print(lesson.format_sample(words, parse))

# %%
say(
    "{grammatical:.1%} of this run's 300 samples are grammatical; {agreement:.1%} have the right "
    "structure but a verb that does not agree, and the rest break the structure.",
    grammatical=written.grammatical,
    agreement=written.agreement_errors,
)

# %% [markdown]
# In every run we made, most of the mistakes were structural (a relative clause that ends
# without its verb, or a sentence that stops before its main verb) rather than agreement
# errors: the model has to keep track of *where* it is in the sentence, not only of the
# subject's number.
#
# ### Eight seeds
#
# One run is one seed on one CPU. `tools/sweep_language_model.py` trained eight seeds of both
# models with the same code (the file `course_utils/data/language_model_sweep.json`; a test
# trains seed 0 again and checks that it falls within their spread):

# %%
sweep = lesson.load_sweep()
spreads = {kind: lesson.seed_spread(sweep, kind) for kind in lesson.KINDS}
s = spreads["gpt"]
print(
    f"{'seed':>5} {'test loss':>10} {'agreement >= 8':>15} {'grammatical':>12} {'90 % at step':>13}"
)
for seed, loss, far, grammatical, step in zip(
    s.seeds, s.final_loss, s.far, s.grammatical, s.learned_at, strict=True
):
    print(f"{seed:>5} {loss:>10.3f} {far:>15.1%} {grammatical:>12.1%} {str(step):>13}")

# %% [markdown]
# In all eight seeds the agreement at distance 8 or more passed 90 % within 500 steps, and
# between 88 % and 96 % of the samples were grammatical (printed above). The step at which
# agreement appears differs from seed to seed: it is a sudden transition, and another CPU,
# which rounds differently, moves it too. So the notebook renders your run's numbers instead of
# typing them, and the claims it makes are bands: in every run we made, on both of torch's
# kernel settings, the GPT's agreement at distance 8 or more passed 90 % within 500 steps and
# ended above 95 %, and more than 80 % of its samples were grammatical.

# %% [markdown]
# ## Training is parallel, generation is sequential
#
# > **Claim** (the article): attention "可以完全并行化" (can be fully parallelised).
# >
# > **Verdict: half true.** Training is parallel over positions: the whole sentence is known,
# > the causal mask hides each position's future, and one forward pass computes all $T$
# > predictions at once, the $O(1)$ sequential operations per layer of Vaswani et al.'s Table 1
# > (lesson 09). Generation is not: word $t + 1$ does not exist until word $t$ has been drawn,
# > so a model writing $n$ words takes $n$ steps one after another, Transformer or RNN alike;
# > the decoder is "auto-regressive" in the 2017 paper's own words.
#
# We time both on this CPU with the lesson's model (untrained, so the live one is left alone;
# the weights do not change the time): one training step over 64 positions (forward, backward
# and the Adam update), against generating 64 tokens one at a time.

# %% tags=["nbval-ignore-output"]
parallel = lesson.parallel_vs_sequential()
print(f"one training step over {parallel.n} positions: {1e3 * parallel.train_step:7.2f} ms")
print(f"generating {parallel.n} tokens, with the cache: {1e3 * parallel.generate_cached:7.2f} ms")
print(
    f"generating {parallel.n} tokens, recomputing:    {1e3 * parallel.generate_recomputed:7.2f} ms"
)

# %%
say(
    "Here one training step over {n} positions took {train:.1f} ms, and generating {n} tokens "
    "with the cache took {cached:.1f} ms, {comparison}, though generation does about a third of "
    "the arithmetic (a forward pass, no backward pass). Recomputing the whole prefix at every "
    "step took {recomputed:.1f} ms.",
    n=parallel.n,
    train=1e3 * parallel.train_step,
    cached=1e3 * parallel.generate_cached,
    comparison=lesson.times_phrase(parallel.generate_cached / parallel.train_step),
    recomputed=1e3 * parallel.generate_recomputed,
)

# %% [markdown]
# The training step runs each layer once, on a $64 \times 32$ matrix; generation runs each
# layer 64 times on a $1 \times 32$ row, and on a model this small each call costs mostly its
# fixed overhead (the cost of one token, measured below, shows it). On a GPU the gap would be
# wider still, since the training step's 64 positions can fill its cores at once while the 64
# generation steps cannot overlap; we do not measure a GPU here.
#
# ### The key/value cache
#
# Generating naively, each step runs the model on the whole sequence so far, to read the last
# position's logits: step $t$ redoes the work of the $t - 1$ steps before it. It need not. With
# the causal mask, nothing at positions $0, \dots, t - 1$ depends on token $t$: their keys and
# values in every layer stay the same when a token is appended. So each attention layer keeps
# them in a **key/value cache** (键值缓存), and a step computes only the new token's query, key
# and value, appends the key and value, and attends over the cache:
#
# $$K \leftarrow \begin{bmatrix} K \\ k_t \end{bmatrix}, \quad
#   V \leftarrow \begin{bmatrix} V \\ v_t \end{bmatrix}, \quad
#   \text{out}_t = \operatorname{softmax}\!\left(\frac{K q_t}{\sqrt{d_k}}\right)^{\!\top} V .$$
#
# The new token is the last position, and every cached key lies in its past: this step needs
# no mask at all. (`gpt.causal_attention` offsets its mask to the last $T$ of $n$ positions,
# and for $T = 1$ applies none.)
#
# ### Exercise 2: one step with a cache
#
# Write `cached_step(q, k, v, K, V)` for one head in numpy: `q`, `k` of shape $(d_k,)$ and `v`
# of shape $(d_v,)$ are the new token's query, key and value; `K` $(t, d_k)$ and `V`
# $(t, d_v)$ the cache of the $t$ earlier tokens ($t$ may be 0). Return the triple `(output,
# K_new, V_new)`: the output $(d_v,)$ and the grown cache. `np.vstack([K, k])` appends a row.


# %%
def cached_step(q, k, v, K, V):
    """(output (d_v,), K_new (t + 1, d_k), V_new (t + 1, d_v)) for one new token."""
    # BEGIN SOLUTION
    K_new, V_new = np.vstack([K, k]), np.vstack([V, v])  # the past, then the new token
    scores = K_new @ q / np.sqrt(len(q))  # (t + 1,): no mask, every key is in the past
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    return weights @ V_new, K_new, V_new
    # END SOLUTION


# %%
ex.check_cached_step(cached_step)

# %% [markdown]
# The course's model does the same in every head of every layer (`gpt.LayerCache`, used by
# `CausalSelfAttention.forward`, shown above with the model), and `gpt.generate` runs the loop:
# read the prompt into the cache once, then feed one token per step. The trained model's
# logits, computed token by token with the cache, against one forward pass over whole test
# sentences (float32):

# %%
show_source(gpt.LayerCache)

# %%
test_tokens = torch.from_numpy(language.sequences(corpus.test[:8]))
with torch.no_grad():
    full = live.model(test_tokens)
difference = (lesson.cached_logits(live.model, test_tokens) - full).abs().max()
print(f"largest difference: {difference:.1e} (logits up to {full.abs().max():.1f})")

# %% [markdown]
# The same, to float32 round-off (printed above; float32 keeps about 7 significant digits). The
# cache changes the cost, not the result. How much it saves depends on the context: the next
# cell times the next token at contexts of 16 to 512 tokens (a model with room for 513 positions), computed with the
# cache (one new position) and without it (a forward pass over all of them).

# %% tags=["nbval-ignore-output"]
cost = lesson.token_cost()
print(f"{'context':>8} {'with cache':>12} {'recomputing':>12}")
for t, cached, recomputed in zip(cost.contexts, cost.cached, cost.recomputed, strict=True):
    print(f"{t:>8} {1e3 * cached:>9.2f} ms {1e3 * recomputed:>9.2f} ms")
lesson.timing_figure(parallel, cost)

# %%
slopes = cost.slopes()
say(
    "With the cache, the time for the next token {cached} as the context grew (log-log slope "
    "{cached_slope:.2f} over the three longest contexts); recomputing, it {recomputed} (slope "
    "{recomputed_slope:.2f}), and at {t} tokens recomputing took {ratio}.",
    cached=lesson.growth_phrase(slopes["cached"]),
    cached_slope=slopes["cached"],
    recomputed=lesson.growth_phrase(slopes["recomputed"]),
    recomputed_slope=slopes["recomputed"],
    t=cost.contexts[-1],
    ratio=lesson.times_phrase(cost.recomputed[-1] / cost.cached[-1], "cached"),
)

# %% [markdown]
# What to expect, from the arithmetic: without the cache, the next token costs a forward pass
# over $t$ positions, $O(t\,d^2)$ for the projections and MLPs plus $O(t^2 d)$ for attention, so
# the slope heads from 1 towards 2 as attention takes over. With the cache, it costs $O(d^2)$
# for the new position plus $O(t\,d)$ to attend over the cache: linear in $t$, but with a small
# factor, so on a model this small the fixed cost of each call can hide it (a slope near 0).
# At short contexts, such as the trained model's 64 tokens, the two are close and the cache
# saves little (compare the two generation times above); its savings grow with the context.
#
# The cache is not free: it holds $2 \times \text{blocks} \times t \times d_{model}$ numbers per
# sequence, and it grows with every token. For our model at its 64 tokens of context, and for
# GPT-3's largest model (96 layers, $d_{model} = 12288$, a context of 2048 tokens; Brown et al.
# 2020, Table 2.1) at 2 bytes a number:

# %%
ours = 2 * gpt.SIZES["n_blocks"] * gpt.SIZES["max_len"] * gpt.SIZES["d_model"]  # k and v
big = 2 * lesson.GPT3["n_layers"] * lesson.GPT3["n_ctx"] * lesson.GPT3["d_model"]
print(f"our GPT, 64 tokens: {ours:,} numbers")
print(f"GPT-3 175B, 2048 tokens: {big:.2e} numbers, {2 * big / 1e9:.1f} GB at 2 bytes each")
print(f"GPT-3 175B's weights at 2 bytes each: {2 * lesson.GPT3['n_params'] / 1e9:.0f} GB")
state = lstm_model.new_cache()
with torch.no_grad():
    lstm_model(torch.ones(1, 64, dtype=torch.long), state)  # 64 tokens through the LSTM
print(f"our LSTM's state after 64 tokens (after any number): {state.numbers()} numbers")

# %% [markdown]
# About 10 GB for one sequence (printed above), beside 350 GB for the weights themselves; a
# server that generates for many users at once keeps one cache per sequence. Linear attention
# (lesson 10) and state-space models replace this growing cache by a state of fixed size, one
# reason they are attractive for generation.
#
# > **Claim** (the article): attention "智能地选择和存储来自输入序列的最重要信息" (intelligently
# > selects and stores the most important information from the input sequence).
# >
# > **Verdict: half true** (as in lesson 10). It selects, softly and anew at every step: each
# > step *reads* the stored keys and values with weights that sum to 1, and the next step reads
# > them again with other weights. It stores nothing itself: what is stored is the key/value
# > cache, and it holds every token of the context, important or not, in every layer. An RNN stores a
# > fixed-size summary (our LSTM's state, printed above) and must decide what to keep as it
# > reads (lessons 05 and 06); a Transformer keeps everything and decides at reading time what
# > to use, at a memory cost that grows with the context.

# %% [markdown]
# ## Sampling you can steer
#
# A language model outputs a distribution; *how* to draw from it is a separate choice. The
# **temperature** (温度) $T$ divides the logits before the softmax, $p = \operatorname{softmax}(z / T)$:
# $T < 1$ sharpens the distribution (as $T \to 0$, always the likeliest word: lesson 08's greedy
# decoding), $T > 1$ flattens it (as $T \to \infty$, every word equally likely). (From here on
# $T$ is the temperature, no longer the number of positions.) **Top-k
# sampling** (top-k 采样; Fan, Lewis & Dauphin 2018, used in GPT-2's experiments) keeps only the
# $k$ likeliest words and renormalises. The entropy of lesson 07, $H = -\sum_i p_i \ln p_i$,
# measures the spread: 0 for a certain choice, $\ln 27 \approx 3.30$ nats for a uniform one.
#
# ### Exercise 3: temperature and top-k
#
# Write `sampling_distribution(logits, temperature, top_k)`: `logits` of shape $(V,)$, a
# temperature $> 0$, and `top_k` an integer from 1 to $V$ or `None` (keep every word). Return
# the probabilities $(V,)$. Give the logits outside the top $k$ the value $-\infty$ before the
# softmax (keep those equal to the $k$-th largest; `np.sort(z)[-k]` is the $k$-th largest).


# %%
def sampling_distribution(logits, temperature, top_k):
    """softmax(logits / temperature) over the top_k largest logits (None: all)."""
    # BEGIN SOLUTION
    z = logits / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    e = np.exp(z - z.max())
    return e / e.sum()
    # END SOLUTION


# %%
ex.check_sampling_distribution(sampling_distribution)

# %% [markdown]
# Now steer the trained model. The prompt is "the cats near the old dog that the mice chase":
# the relative clause is complete, so next comes the main verb, which must be plural (the
# subject is "cats"; "dog" and "mice" are attractors), or another modifier ("that", "near",
# "with"). The grammar allows exactly those words (`language.allowed_next`), so we can say how
# much probability the model puts on a grammatical next word. Left: the probabilities of the
# ten likeliest next words. Right: 12 words drawn from the distribution, the ungrammatical ones
# starred. The readout gives the probability of a grammatical next word and the entropy of the
# distribution. Move the temperature towards 0.1 and towards 10, and the top-k down to 1.

# %% tags=["nbval-ignore-output"]
lesson.sampling_slider()

# %% [markdown]
# The same at $T = 0.3$, 1 and 3 (every word allowed):

# %%
lesson.sampling_sweep()

# %% [markdown]
# How the temperature changes what the model writes, on 300 samples each:

# %% tags=["nbval-ignore-output"]
by_temperature = {t: lesson.samples(live.model, temperature=t) for t in (0.5, 1.0, 2.0)}
for t, written_at in by_temperature.items():
    print(f"T = {t}: {written_at.grammatical:.1%} grammatical")

# %%
say(
    "In this run, {low:.1%} of the samples were grammatical at T = 0.5, {one:.1%} at T = 1 and "
    "{high:.1%} at T = 2.",
    low=by_temperature[0.5].grammatical,
    one=by_temperature[1.0].grammatical,
    high=by_temperature[2.0].grammatical,
)

# %% [markdown]
# A high temperature gives the rare, wrong words a real chance, and one wrong word spoils a
# sentence. A low one keeps to the likeliest words, at the price of variety: at the limit
# $T \to 0$ (or top-k = 1) the same prompt always gives the same sentence. Another common way
# to cut the unlikely tail is top-p ("nucleus") sampling (Holtzman et al. 2020), which samples
# from the smallest set of likeliest words whose probabilities add up to at least $p$.

# %% [markdown]
# ## An honest comparison: an LSTM language model
#
# Lesson 06 found gated RNNs excellent at agreement. Is the Transformer needed here at all? The
# LSTM language model (`gpt.LSTMLanguageModel`: embedding, one LSTM layer with forget-gate bias
# 1, the same read-out) has about the GPT's number of parameters and is trained by the same
# loop, on the same batches, with the same learning rate (neither is tuned):

# %% tags=["nbval-ignore-output"]
lstm = lesson.run("lstm")  # a few seconds

# %%
lstm_agreement = lesson.agreement(lstm.model)
lesson.comparison_figure([live, lstm])

# %%
g, m = live.result, lstm.result
say(
    "In this run the GPT ended at a test loss of {g_loss:.3f} and the LSTM at {m_loss:.3f}; the "
    "GPT's agreement at distance 8 or more {g_phrase}, the LSTM's {m_phrase}. Per training step "
    "the LSTM took {ratio:.2f} times the GPT's time on this CPU.",
    g_loss=g.final,
    m_loss=m.final,
    g_phrase=lesson.learning_phrase(g),
    m_phrase=lesson.learning_phrase(m),
    ratio=m.seconds[-1] / g.seconds[-1],
)

# %%
lesson.agreement_figure({"gpt": gpt_agreement, "lstm": lstm_agreement})

# %% [markdown]
# And over the eight shipped seeds of each:

# %%
for kind, s in spreads.items():
    learned = ", ".join("-" if step is None else str(step) for step in s.learned_at)
    print(f"{lesson.NAMES[kind]:>18}: agreement >= 8 reached 90 % in {s.learned} of "
          f"{len(s.seeds)} seeds (at steps {learned}); final test loss "
          f"{s.final_loss.min():.3f} to {s.final_loss.max():.3f}")  # fmt: skip

# %% [markdown]
# Over eight seeds each, the GPT's agreement passed 90 % within 500 steps in all of them, the
# LSTM's in 4 (printed above); the LSTM seeds that learned agreement reached the GPT's test
# loss, the others stayed behind. With one learning rate for both and no tuning, that is a
# comparison of these two models on this task, not a verdict on LSTMs. It is also a
# comparison per step, that is per training sentence: on this CPU an LSTM step is cheaper
# (rendered above), so in the GPT's wall time the LSTM could take more steps, and the seeds
# that learned agreement did so late (their steps are printed above). Two likely reasons for
# the gap per step, from the lessons before:
#
# - **Path length** (lesson 09). To choose the verb, the GPT's verb position looks back at the
#   subject in one attention step, whatever the distance. The LSTM must carry the subject's
#   number through every word in between, in a state that the loss also asks about every other
#   word. In lesson 06 the LSTM learned agreement easily, but there the loss asked about
#   nothing else; here agreement is one word in about 18. Linzen, Dupoux & Goldberg (2016)
#   saw the same with real English: their LSTM's agreement errors on sentences with
#   attractors "rose sharply in the language-modeling setting" compared with training on
#   agreement directly. LSTM language
#   models trained on much larger corpora do better: Gulordava et al. (2018) found that they
#   "make reliable predictions about long-distance agreement".
# - **Time per step** (lesson 06). On this CPU the comparison of wall times is rendered above
#   from your run. The LSTM runs as one fused kernel, the GPT as many small operations; but the
#   GPT's operations are independent across positions and the LSTM's are not. A GPU can run
#   all the positions of a GPT layer at once, and must still take the LSTM's steps one after
#   another (Table 1's $O(n)$ sequential operations). In Vaswani et al.'s (2017, §1) words,
#   recurrence "precludes parallelization within training examples, which becomes critical at
#   longer sequence lengths". We do not measure a GPU here.

# %% [markdown]
# ## What makes a model "large"
#
# Our GPT's parameters and training tokens, in the units of the papers below (a token is one
# of our 27 words; the count is the number of targets the loss scored, rounded):

# %%
n_parameters = gpt.parameter_count(live.model)
# the targets the loss scored: steps x sentences per step x words per sentence, rounded
n_tokens = int(round(len(live.result.losses) * gpt.TRAINING["batch"] * mean_words, -3))
passes = len(live.result.losses) * gpt.TRAINING["batch"] / len(corpus.train)
print(f"parameters: {n_parameters:,}; target tokens seen in training: about {n_tokens:,}; "
      f"{n_tokens / n_parameters:.0f} tokens per parameter; {passes:.1f} passes over the "
      f"{len(corpus.train)} training sentences")  # fmt: skip
print(f"GPT-3 175B has {lesson.GPT3['n_params'] / n_parameters:.1e} times as many parameters")

# %% [markdown]
# GPT-3's largest model has 175 billion parameters (Brown et al. 2020, Table 2.1), some eight
# million times ours (printed above). Two findings, the **scaling laws** (缩放定律) of language
# models, made that growth a plan rather than a gamble:
#
# - Kaplan et al. (2020) measured language models over many sizes: "The loss scales as a
#   power-law with model size, dataset size, and the amount of compute used for training, with
#   some trends spanning more than seven orders of magnitude." A power law is a straight line
#   on log-log axes, so trends measured on small models can be extended to larger ones, within
#   the range where the law holds.
# - Hoffmann et al. (2022) asked how to split a fixed budget of compute between parameters
#   and data, and found "that for compute-optimal training, the model size and the number of
#   training tokens should be scaled equally: for every doubling of model size the number of
#   training tokens should also be doubled". Their Chinchilla, with 70 billion parameters and
#   about 4 times the data of the 280-billion-parameter Gopher, for the same compute,
#   outperformed it. The rule of thumb often drawn from the paper, about 20 training tokens per
#   parameter (Chinchilla's reported 1.4 trillion tokens for 70 billion parameters), is a
#   reading of its estimates that we could not check against the paper's own text.
#
# Our run's tokens per parameter (printed above) happen to be of the same order as that rule
# of thumb, though ours are the same 6000 training sentences seen over and over (the passes
# over them are printed above). But scaling laws describe natural text over many orders of
# magnitude, and nothing here tests them: our toy grammar has a floor of its own, the randomness of its choices, which
# no model size removes.
#
# What else separates our model from ChatGPT lies beyond this course: the data (real text,
# collected and filtered at a scale this lesson cannot show), the tokenizer (pieces of words
# instead of our 27 whole words), and what happens after this pre-training. "Making language
# models bigger does not inherently make them better at following a user's intent", Ouyang et
# al. (2022) write. Their InstructGPT fine-tunes GPT-3 on demonstrations written by people,
# then on people's rankings of its answers ("reinforcement learning from human feedback"). A
# model trained only on next-token prediction continues text; it does not yet follow
# instructions.
#
# > **Claim** (the article): attention is "今天大型语言模型(LLM)的基石" (the cornerstone of today's
# > large language models), and "正是注意力机制的引入,才使得大型语言模型能够处理如此复杂的任务"
# > (it is precisely the introduction of attention that lets large language models handle such
# > complex tasks).
# >
# > **Verdict: half true.** The first part is accurate: GPT, GPT-2 and GPT-3, the published
# > models of the line, are stacks of causal self-attention blocks, this lesson's model at a
# > vast scale (GPT-3 alternates dense layers with locally banded sparse ones, Brown et al.
# > 2020, §2.1), and their training is parallel over positions, a large part of what made
# > training on so much text affordable. The second overstates: attention is one necessary
# > ingredient among several, with scale (Kaplan et al. 2020; Hoffmann et al. 2022), data,
# > and fine-tuning on human feedback (Ouyang et al. 2022). And, as measured above,
# > generation stays sequential and its memory grows with the context.

# %% [markdown]
# ## The course on one page
#
# - Lesson 00: multiplying 50 factors slightly below 1 gives almost nothing, the arithmetic
#   under every vanishing gradient.
# - Lesson 01: the sigmoid's slope is at most 1/4, tanh's at most 1, and both saturate.
# - Lesson 02: in a deep network the gradient is a product of one factor per layer, typical
#   slope × gain of the weights; it vanishes or explodes unless the initialisation keeps that
#   factor near 1.
# - Lesson 03: an RNN is that product over time; BPTT, written by hand and checked, shows the
#   gradient from step $t$ to step $t-k$ decaying exponentially in $k$.
# - Lesson 04: with large enough recurrent weights the product explodes instead, even though
#   tanh bounds the state (ReLU is not the cause); clipping tames the explosion, and
#   normalisation does not give memory.
# - Lesson 05: the LSTM's cell state is an additive path, multiplied only by the forget gate,
#   so the gradient survives while the gate stays near 1; the whole gradient, through every
#   path, is larger still than that one path.
# - Lesson 06: trained, the vanilla RNN falls to chance at long distances where the LSTM and
#   GRU hold, and all of them still walk through time one step at a time.
# - Lesson 07: attention from scratch: scores, softmax, weighted sum, $\sqrt{d_k}$ and masks.
# - Lesson 08: attention inside an RNN translator removes the fixed-vector bottleneck, and its
#   weights recover most of the word alignment without being told it.
# - Lesson 09: self-attention makes every path one step long (the gradient only dilutes like
#   $1/n$) and every layer a short chain of operations whatever $n$; residual connections and
#   layer normalisation keep the gradient flowing through a deep stack.
# - Lesson 10: the price is $O(n^2)$ work and memory; sparse, linear and exact-but-tiled
#   attention, and state-space models, are the ways around it.
# - Lesson 11: a stack of causal attention blocks trained on next-word prediction is a language
#   model; it learns agreement across the whole sentence, trains in parallel, but generates one
#   word at a time from a key/value cache that grows with the context.
#
# The course's figure, with this lesson added. Left, lesson 09's figure: how much of the
# gradient survives a distance, at initialisation, for four networks of the course, each curve
# divided by its value at distance 1 (the rates are printed in lesson 09). The deep sigmoid
# network and the tanh RNN decay exponentially (straight lines on the log axis), at rates set
# by their factors per step. The LSTM's whole gradient, with forget bias 1, decays too, but far
# more slowly; the dotted line beside it is the product of its forget gates alone, one path of
# that gradient and not the gradient (lesson 05). Attention, with a path of length one at any
# distance, only dilutes like $1/\text{distance}$. Right, what training makes of it on
# language: the agreement accuracy of both language models against distance, the mean of the
# eight shipped seeds with their range as a band.

# %%
lesson.story_figure(spreads)

# %% [markdown]
# Before training, the gradient through attention only dilutes with distance, where the
# recurrent paths decay exponentially; after training, the GPT kept agreement above 95 % at
# every distance in all eight seeds, while the LSTM's band reaches down to chance at the long
# distances, in the seeds that did not learn it within 500 steps.
#
# ## Summary
#
# - A language model factors $P(w_1, \dots, w_n)$ into next-word probabilities; it is trained
#   with the cross-entropy of each position's logits against the *next* token (inputs and
#   targets shifted by one) and generates autoregressively.
# - A GPT is a stack of lesson 09's blocks with lesson 07's causal mask, token and position
#   embeddings and a read-out; ours matches PyTorch's attention and encoder layer to round-off.
# - Trained live for 500 steps on a toy English, it learns subject–verb agreement across up to
#   28 words: in every run we made, its agreement at distance 8 or more passed 90 % within
#   500 steps and ended above 95 %, and more than 80 % of its samples were grammatical. An LSTM
#   of about the same size, on the same batches, learned agreement within 500 steps in 4 of 8
#   seeds.
# - Training is parallel over positions; generation takes one step per token. The key/value
#   cache keeps each layer's keys and values, so a step costs one new position instead of a
#   forward pass over the whole context, with the same logits; its memory grows with every
#   token (about 10 GB per sequence at GPT-3's size and full context, in 16-bit numbers).
# - Temperature and top-k reshape the next-word distribution; higher temperatures raise the
#   entropy and, here, the share of ungrammatical samples.
# - Scale (Kaplan et al. 2020; Hoffmann et al. 2022), data and fine-tuning on human feedback
#   (Ouyang et al. 2022) separate this model from the article's ChatGPT; the architecture is the
#   same idea.
#
# This is the last lesson. The glossary of lesson 00 lists every term of the course in English
# and Chinese.
#
# ## Further reading
#
# - A. Radford, K. Narasimhan, T. Salimans, I. Sutskever (2018), "Improving language
#   understanding by generative pre-training", OpenAI report: GPT, a decoder-only Transformer.
# - A. Radford, J. Wu, R. Child, D. Luan, D. Amodei, I. Sutskever (2019), "Language models are
#   unsupervised multitask learners", OpenAI report: GPT-2.
# - A. Vaswani et al. (2017), "Attention is all you need", *NeurIPS*: §3.2.3, the decoder's
#   mask and its auto-regressive property.
# - T. Brown et al. (2020), "Language models are few-shot learners", *NeurIPS*: GPT-3, Table 2.1.
# - J. Kaplan et al. (2020), "Scaling laws for neural language models", arXiv:2001.08361.
# - J. Hoffmann et al. (2022), "Training compute-optimal large language models", *NeurIPS*
#   (Chinchilla), arXiv:2203.15556.
# - T. Linzen, E. Dupoux, Y. Goldberg (2016), "Assessing the ability of LSTMs to learn
#   syntax-sensitive dependencies", *TACL*: agreement as a test of language models;
#   K. Gulordava, P. Bojanowski, E. Grave, T. Linzen, M. Baroni (2018), "Colorless green
#   recurrent networks dream hierarchically", *NAACL*.
# - A. Fan, M. Lewis, Y. Dauphin (2018), "Hierarchical neural story generation", *ACL*: top-k
#   sampling; A. Holtzman, J. Buys, L. Du, M. Forbes, Y. Choi (2020), "The curious case of
#   neural text degeneration", *ICLR*: nucleus (top-p) sampling.
# - L. Ouyang et al. (2022), "Training language models to follow instructions with human
#   feedback", *NeurIPS* (InstructGPT).
# - A. Karpathy, nanoGPT (github.com/karpathy/nanoGPT): a small, readable GPT in PyTorch, in the
#   spirit of this lesson's `course_utils.gpt`.

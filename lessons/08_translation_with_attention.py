# %% [markdown]
# # 08 · Translation with attention
#
# > Train a small English-to-French translator with and without attention: without it, one vector must carry the whole sentence and long sentences fail; with it, the decoder looks back at every word, and the heatmaps show where.
#
# In lesson 07 attention was a weighted average that we set
# up by hand. This lesson puts it where it made its name: in a translation model. Bahdanau,
# Cho & Bengio (2014) noticed that an RNN **encoder–decoder** (编码器–解码器) squeezes a whole
# sentence into one vector before it writes a single word of the translation, and that its
# quality collapses on long sentences. They let the decoder look back at every source word at
# every step instead, and their heatmaps showed which English words each French word used.
# We repeat their two figures in miniature on a toy language, on a CPU, in a few seconds: the
# article's "The cat sat on the mat" becomes "le chat s'est assis sur le tapis".
#
# ## What you will learn
#
# - how a **sequence-to-sequence** (序列到序列) model reads a sentence with an encoder and writes its translation with a decoder, trained by teacher forcing, run by greedy decoding (or beam search) and scored by exact match and by BLEU, which you will help compute;
# - why a decoder that sees only the encoder's final state fails on longer sentences (a fixed-vector bottleneck: lesson 06's long-distance memory problem, for a whole sentence at once), and how attention removes it;
# - how to compute a context vector with Bahdanau's additive score (you will write it) and Luong's "general" score;
# - how to read an **alignment** (对齐) heatmap, where a moved adjective shows up as a crossing;
# - what these results do not show: generalisation to longer sentences, and attention weights as explanations.
#
# ## Prerequisites
#
# - Lesson 05: the GRU in brief (we use `torch.nn.GRU`).
# - Lesson 06: training a small recurrent network in PyTorch
#   (embedding, loss, Adam, clipping, a fixed test set); information that must travel a long
#   way through a recurrent state.
# - Lesson 07: softmax, weighted sums, queries, keys and
#   values, masking.

# %%
import numpy as np

from course_utils.env import use_one_thread

use_one_thread()  # before any torch work: small recurrent models run much faster on one thread

from course_utils import seq2seq as s2s
from course_utils import translation as tr
from course_utils.display import say, show_source
from course_utils.exercises import lesson08 as ex
from course_utils.lessons import lesson08 as lesson

# %% [markdown]
# ## A toy English–French corpus
#
# Real translation data are large and messy. We generate our own with a small grammar
# (`course_utils.translation`), so that we know the right answer for every sentence, *and*
# which English word each French word translates. A clause is either
# "the [adjective] animal verb the [adjective] noun" or "the [adjective] animal sat / sleeps /
# runs on / under / behind the [adjective] noun"; one to four clauses are joined by "and"
# ("et") or "but" ("mais"). Three things make the French interesting:
#
# - **gender**: every noun is masculine or feminine, and the article follows it: "le chat",
#   "la table";
# - **the adjective moves**: it comes *after* the noun and agrees with it: "the black cat" →
#   "le chat noir", "the black table" → "la table noire";
# - **one word becomes two**: "sat" → "s'est assis", or "s'est assise" after a feminine
#   subject.
#
# The grammar also writes down the **gold alignment**: for each French word, the position of
# the English word it translates. Here is the article's sentence and two pairs from the test
# set:

# %%
c = tr.load_corpus()  # .train and .test: lists of pairs (source, target, alignment, clauses)
examples = [c.test[0], *[p for p in c.test if p.clauses == 1][5:7]]
for pair in examples:
    print(lesson.format_pair(pair), end="\n\n")
summary = lesson.corpus_summary(c)
print("training pairs by clauses:", summary["train"])
print("test pairs by clauses:    ", summary["test"])
print("mean English words, test: ", {k: round(v, 1) for k, v in summary["source words"].items()})

# %%
lesson.gold_figure(examples)

# %% [markdown]
# Each dark cell links a French word (row) to the English word it translates (column). "The
# cat sat on the mat" is almost a diagonal: French keeps the English order, and "sat" simply
# covers two rows. Where an adjective moves, the links **cross**: "noir" comes after "chat"
# but links to the word *before* "cat". A model that copies words in order gets these wrong.
#
# The corpus (`course_utils/data/translation_corpus.json`, rebuilt byte for byte by
# `tools/make_translation_corpus.py`) has 1,200 training sentences of each length from one to
# three clauses, and 200 test sentences of each length from one to four: the test set has no
# sentence of the training set, and four clauses is a length the models never see in
# training.
#
# ## The encoder–decoder and its bottleneck
#
# The **encoder** reads the English words $x_1, \dots, x_S$ (here $S$ is the number of source
# words) with a GRU. Like Bahdanau et al., we run two GRUs, one left to right and one right to
# left, and stack their states: the **annotation** of word $j$ is
# $h_j = [\overrightarrow{h}_j ; \overleftarrow{h}_j]$, of size $2H$, a summary of the words
# on *both* sides of word $j$ (we come back to why). The **decoder** is another GRU that writes
# French words one at a time; its state $s_t$ has read the French words written so far. Each
# word is predicted from $s_t$ and a **context vector** $c_t$ (this output layer is Luong et
# al.'s, their eqs. 5-6):
#
# $$o_t = \tanh([s_t ; c_t]\, W_c), \qquad p(y_t \mid y_{<t}, x) = \operatorname{softmax}(o_t W_{out}).$$
#
# **Without attention** (Cho et al. 2014; Sutskever, Vinyals & Le 2014) the context is one
# fixed vector, the encoder's final states $c = [\overrightarrow{h}_S ; \overleftarrow{h}_1]$,
# the same at every step: the whole sentence, its words, their order and genders, must fit into
# $2H = 128$ numbers. This is the **bottleneck** (瓶颈): the long-distance memory problem of
# lesson 06, now for every word of the sentence at once.
# In a second 2014 paper, "On the properties of neural machine translation", Cho et al. found
# that such a model "performs relatively well on short sentences …
# but its performance degrades rapidly as the length of the sentence … increase[s]".
#
# **With attention**, the context is recomputed for every French word as a weighted mean of
# *all* the annotations:
#
# $$c_t = \sum_{j=1}^{S} a_{tj}\, h_j, \qquad a_{t} = \operatorname{softmax}_j\big(\operatorname{score}(s_t, h_j)\big).$$
#
# This is lesson 07's attention with the roles filled in: the **query** is the decoder state
# $s_t$, the **keys** and the **values** are the encoder's annotations $h_j$. Attention from
# one sequence to another is called **cross-attention** (交叉注意力). Two score functions
# (written here in the course's row-vector convention, $s W$ rather than $W s$):
#
# - Bahdanau's **additive** score: $\operatorname{score}(s, h) = v \cdot \tanh(s W + h U)$, a
#   small one-layer network;
# - Luong, Pham & Manning's (2015) **general** score: $\operatorname{score}(s, h) = s W h^\top$,
#   a dot product after a linear map, as in lesson 07.
#
# Neither divides by $\sqrt{d_k}$. Lesson 07's scaling came with the Transformer, whose plain
# dot products $q \cdot k$ grow with $d_k$: unscaled, they lost to additive attention at large
# $d_k$ (Britz et al. 2017, the comparison Vaswani et al. cite). The additive score passes
# through a tanh and cannot grow that way; in both scores here a learned $W$ (or $v$) sets the
# scale.
#
# The two papers also differ in *which* decoder state asks the question. This lesson mixes
# them, so here is who does what:
#
# | | Bahdanau et al. (2014) | Luong et al. (2015) | this lesson |
# |---|---|---|---|
# | score | additive | general (also "dot" and "concat") | additive in exercise 1 and in the sweep; **general for the model trained live** |
# | query | the *previous* state $s_{t-1}$ | the *current* state $s_t$ | the current state $s_t$, for both scores |
# | where $c_t$ goes | into the GRU that computes $s_t$, and into the output | into the output layer, with $s_t$ | as Luong |
#
# With the current state as the query, training can run the decoder GRU over the whole
# sentence in one call, then attend for all steps at once. The models of this lesson share
# everything else: same encoder, same decoder, same output layer, same initial state
# $s_0 = \tanh([\overrightarrow{h}_S ; \overleftarrow{h}_1]\, W_{init})$; only $c_t$ differs.
# Here is where they part ways (`padding` is masked with $-\infty$ before the softmax, as in
# lesson 07):

# %%
show_source(s2s.Seq2Seq.attend)

# %% [markdown]
# ### Exercise 1: the context vectors
#
# Write `context_vectors(S, H, W, U, v)` in numpy, with Bahdanau's additive score (the live
# model below uses the general score; the sweep trains both). `S` holds $n$
# decoder states as rows, shape $(n, d_s)$, one query per French word; `H` holds the $T$ source
# annotations as rows, shape $(T, d_h)$; `W` is $(d_s, a)$, `U` is $(d_h, a)$ and `v` is $(a,)$
# (row-vector convention: $s W$, not $W s$). Return the $(n, d_h)$ context vectors, row $i$ for
# query $i$. (In this exercise and its checker's messages, $n$ counts the French words and $T$
# the English ones, and `S` and `H` are arrays: not the source length $S$ or the hidden size
# $H$ above.)
#
# 1. scores: `score[i, j]` $= v \cdot \tanh(s_i W + h_j U)$, shape $(n, T)$ (broadcast with
#    `[:, None, :]` and `[None, :, :]`);
# 2. weights: a softmax over the **source words** (each row sums to 1); `softmax` from
#    `course_utils.attention` is imported for you;
# 3. context: the weighted sum of the annotations.

# %%
from course_utils.attention import softmax


def context_vectors(S, H, W, U, v):
    """Additive-attention context vectors: (n, d_s) queries, (T, d_h) annotations -> (n, d_h)."""
    # BEGIN SOLUTION
    scores = np.tanh((S @ W)[:, None, :] + (H @ U)[None, :, :]) @ v  # (n, T)
    weights = softmax(scores, axis=-1)  # over the source words
    return weights @ H
    # END SOLUTION


# %%
ex.check_context(context_vectors)

# %% [markdown]
# What the checker says about a common slip, the softmax over the wrong axis (each *column*
# summing to 1):

# %%
from course_utils import checks

checks.demo(ex.check_context, ex.CONTEXT_MISTAKES[0].fn)

# %% [markdown]
# The course's version, which the tests check against `s2s.AdditiveAttention`, the torch
# module of the sweep's additive-score models:

# %%
show_source(s2s.additive_context)

# %% [markdown]
# ## Training the model with attention
#
# **Teacher forcing** (教师强制): during training the decoder reads the *reference* French
# words $y_1, \dots, y_{t-1}$ and learns to predict $y_t$ (cross-entropy over the French
# vocabulary, the many-class form of lesson 06's binary cross-entropy: minus the log of the
# probability given to the right word; Adam and gradient clipping as in lesson 06). At test
# time there is no reference, so the decoder feeds back its own most likely word, one step at
# a time, until it writes the end symbol `</s>`: **greedy decoding** (贪心解码). A test
# sentence counts as right (**exact match**) only if every word is right; **token accuracy**
# counts the words in the right position.
#
# Greedy decoding commits to one word at a time, and the most likely first word need not
# start the most likely sentence. The translation papers of 2014 decoded with **beam search**
# (束搜索) instead: keep the $B$ most likely partial translations, extend each by every word of
# the vocabulary, keep the $B$ best of those, and so on until the translations end. Sutskever,
# Vinyals & Le (2014) used "a simple left-to-right beam search decoder", and Bahdanau et al.
# (2014) a beam search too. Greedy decoding is beam search with $B = 1$, and Sutskever et al.
# found that their system "performs well even with a beam size of 1, and a beam of size 2
# provides most of the benefits of beam search". This lesson keeps the simpler greedy
# decoding.
#
# The whole recipe (make the model, train it, evaluate it on the test set) takes four lines:

# %%
show_source(lesson.train_and_evaluate)

# %% [markdown]
# The next cell trains the attention model (Luong's general score, not the additive score of
# exercise 1; hidden size $H = 64$, 500 steps of 32 sentences, seed 0) on the sentences of one
# to three clauses, and evaluates it on the 800 test sentences. It takes a few seconds.

# %%
run = lesson.train_and_evaluate(c, "general", seed=0)
print(lesson.accuracy_table(run))

# %%
exact = run.evaluation.exact_by_clauses()
say(
    "Up to three clauses, the lengths it trained on, this model translated {low:.0%} to "
    "{high:.0%} of the held-out sentences exactly; at four clauses, a length it never saw, "
    "{four:.0%}. We come back to that.",
    low=min(exact[k] for k in lesson.SEEN),
    high=max(exact[k] for k in lesson.SEEN),
    four=exact[4],
)

# %% [markdown]
# Its translation of the article's sentence:

# %%
print(" ".join(run.evaluation.predictions[0]))

# %% [markdown]
# Now the same model without attention: the same encoder, decoder, seed, data and budget, but
# the decoder's context is the encoder's final states, the same vector at every step.
# Training it would take as long again, so this notebook reads its results from the sweep of
# the next section, which `tools/sweep_translation.py` trained with this same code. To train it
# yourself, run `baseline = lesson.train_and_evaluate(c, None, seed=0)` instead; the course's
# tests do, and check it against the sweep.

# %%
data = lesson.load_sweep()  # the shipped sweep: several seeds of every model of this lesson
baseline = lesson.shipped_run(data, "none", seed=0)  # no attention, seed 0
print(lesson.accuracy_table(baseline))

# %%
without = baseline.evaluation.exact_by_clauses()
say(
    "Without attention, this model translated {one:.0%} of the one-clause sentences exactly, "
    "{two:.0%} of the two-clause ones and {three:.0%} of the three-clause ones.",
    one=without[1],
    two=without[2],
    three=without[3],
)

# %% [markdown]
# One run could be bad luck, so the next section checks it on several seeds.

# %% [markdown]
# ## Accuracy against length: the bottleneck, measured
#
# Training both models on several seeds would not fit into a notebook's half minute. `tools/sweep_translation.py` did it with the same code and the same
# budget: five seeds per model (three for the additive score and for the one-directional
# encoder of a later section), the test set above. Bahdanau et al.'s Fig. 2 plots BLEU (the
# papers' score, defined in the next section) against sentence length; ours plots exact match
# and token accuracy against the number of clauses. The black crosses are the two runs above.

# %%
print(lesson.sweep_table(data))
lesson.length_figure(data, run, baseline)

# %% [markdown]
# At the same training budget, with the same decoder, the model without attention translates
# one-clause sentences nearly always, two-clause sentences rarely and three-clause sentences
# never (table above); the attention model stays near 1 up to three clauses. Token accuracy
# falls more gently: many words of a long sentence are still in place, but almost never all
# of them. Bahdanau's additive score also works, but gets less far at this small budget
# (chosen for the general score; we did not tune it for the additive one): about 0.59 exact
# match at three clauses, averaged over three seeds (table above), against 0.98 for the
# general score.
#
# Is the no-attention model simply broken? The **control** (对照实验) says no: trained on
# one-clause sentences only, with the same budget, it translates them almost perfectly (the
# diamond, and the last row of the table). It *can* translate; what it cannot do at this budget
# is pack two or three clauses into one vector of 128 numbers. With more training or a wider
# state it would go further (Sutskever et al. 2014 report that their large deep LSTM "did not
# have difficulty on long sentences", with the source sentence fed in reversed order), but
# the attention model needs no such effort: every source word stays available at every step.
#
# ## BLEU, the score the papers report
#
# Real sentences have many right translations, so the papers cannot ask for an exact match.
# They report BLEU (Papineni et al. 2002), which gives credit for the word sequences a
# translation shares with a human reference translation. It has three ingredients:
#
# - the **modified n-gram precision** (修正的 n 元精确率) $p_n$: an *n-gram* is a run of $n$
#   consecutive words, and $p_n$ is the fraction of the translation's n-grams that also occur
#   in the reference, where each n-gram counts at most as many times as the reference has it
#   (it is *clipped*);
# - the geometric mean of $p_1, \dots, p_4$: single words reward the right choice of words,
#   longer n-grams the right order;
# - the **brevity penalty** (简短惩罚) $BP$: precision alone would reward a translation that
#   says little, so with $c$ the length of the translations and $r$ that of the references,
#   $BP = e^{1 - r/c}$ when $c \le r$, and 1 when $c > r$.
#
# $$\mathrm{BLEU} = BP \cdot \exp\Big(\tfrac14 \sum_{n=1}^{4} \log p_n\Big).$$
#
# Over a test set, the counts of all sentences are added before dividing (a score of the whole
# corpus, not an average of sentence scores), and papers print 100 times the result. Why the
# clipping? Papineni et al.'s example ("the the the the the the the"), in French, and a
# translation with one wrong article:

# %%
reference = "le chat s'est assis sur le tapis".split()
for candidate in (["le"] * 7, "le chat s'est assis sur la tapis".split()):
    score = tr.bleu([candidate], [[reference]])
    precisions = ", ".join(f"{p:.3f}" for p in score.precisions)
    print(f"{' '.join(candidate)}: p_1..p_4 = {precisions}; BP = {score.brevity_penalty:.2f}")
    print(f"    BLEU = {score.score:.3f}")

# %% [markdown]
# Every word of "le le le le le le le" occurs in the reference, so plain precision would be
# 7/7; clipped, "le" counts only twice, $p_1 = 2/7 \approx 0.286$, and with no bigram in
# common the BLEU is 0. The wrong article in "sur la tapis" spoils every n-gram that contains
# it, yet the sentence keeps a BLEU of about 0.64, or 64 as papers print it (both printed
# above): partial credit, where exact match gives none.
#
# ### Exercise 3: modified n-gram precision
#
# Write `modified_precision(candidate, reference, n)`. `candidate` and `reference` are lists of
# words and `n` is a positive whole number. Return $p_n$ as a float: the number of the
# candidate's n-grams, each counted at most as many times as it occurs in the reference,
# divided by the number of the candidate's n-grams. A list of $L$ words has $L - n + 1$
# n-grams, `tuple(words[i:i + n])` for `i` in `range(len(words) - n + 1)`; a candidate of fewer
# than $n$ words has none, and then $p_n$ is 0.0. `collections.Counter` counts the items of a
# list, and `counter[key]` is 0 for a key it has not seen.

# %%
from collections import Counter


def modified_precision(candidate, reference, n):
    """Clipped n-gram matches of candidate in reference, over the candidate's n-grams."""
    # BEGIN SOLUTION
    grams = Counter(tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1))
    in_reference = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
    total = sum(grams.values())
    if total == 0:
        return 0.0
    return sum(min(count, in_reference[gram]) for gram, count in grams.items()) / total
    # END SOLUTION


# %%
ex.check_modified_precision(modified_precision)

# %% [markdown]
# The course's `translation.modified_precision` takes a list of references (Papineni et al.
# allow several; an n-gram is then clipped by its largest count in any one of them), and
# `translation.bleu` adds the counts over a whole test set:

# %%
show_source(tr.bleu)

# %% [markdown]
# Here are the two models above scored by BLEU on the test set, by number of clauses.
# (These toy scores cannot be compared with the papers': one reference per sentence, a
# vocabulary of about 30 words, no unknown words.)

# %%
with_attention = lesson.bleu_by_clauses(run, c)  # from this notebook's translations
without_attention = baseline.evaluation.bleu_by_clauses()  # the sweep ran bleu_by_clauses
print(f"{'clauses':>8} {'BLEU with attention':>20} {'without':>8}")
for k in with_attention:
    print(f"{k:>8} {with_attention[k]:>20.1f} {without_attention[k]:>8.1f}")

# %%
say(
    "In this run, the model with attention scores a BLEU of {a3:.0f} at three clauses and "
    "{a4:.0f} at four, where {e4:.0%} of its translations are exact; the model without "
    "attention scores {b3:.0f} at three clauses, where {f3:.0%} of its translations are exact.",
    a3=with_attention[3],
    a4=with_attention[4],
    e4=exact[4],
    b3=without_attention[3],
    f3=without[3],
)

# %% [markdown]
# ## Where does the model look?
#
# The attention weights $a_{tj}$ of one sentence form a matrix: one row per French word, one
# column per English word, each row summing to 1. Bahdanau et al.'s Fig. 3 shows such matrices
# for real sentences. Below, the live model's weights (teacher-forced on the reference
# translation), with the gold alignment boxed in orange. Pick a sentence:

# %% tags=["nbval-ignore-output"]
records = lesson.alignments(run, lesson.showcase_pairs(c))
lesson.alignment_slider(records)

# %% [markdown]
# Three of them side by side: the article's sentence, a masculine adjective, a feminine one.

# %%
lesson.alignment_sweep(records, which=(0, 4, 1))

# %% [markdown]
# Read each heatmap row by row: where does each French word put its largest weight? In this
# run:

# %%
say(
    "- {cat}\n- {horse}\n- {mouse}",
    cat=lesson.where_it_looks(records[0]),
    horse=lesson.where_it_looks(records[4]),
    mouse=lesson.where_it_looks(records[1]),
)

# %% [markdown]
# In "the cat sat on the mat", one English word is the gold source of two French words: "sat"
# → "s'est assis". In "the red horse watches the book" the adjective has moved: where
# "cheval" looks at "horse" and then "rouge" back at "red", the dark cells cross as the gold
# alignment does. Nobody told the model about alignments; it learns where to look because
# looking there predicts the next word. The third sentence has feminine adjectives, "grise"
# and "noire": compare their rows with their orange boxes.
#
# How often does the largest weight of a row fall on the gold word? Over all test sentences of seen lengths, by word class, and for the adjectives by
# the gender of their noun; the last line gives the same agreement for the five seeds of the
# sweep (same model, same data, different random initialisation):

# %%
agreement, by_class = lesson.seen_agreement(run, c)
print(f"argmax of attention = gold source word: {agreement:.1%} of the French words")
for name, value in by_class.items():
    print(f"  {name:>12}: {value:.1%}")
targets = lesson.adjective_targets(run, c)
for gender, where in targets.items():
    print(f"{gender} adjectives look at the English adjective {where['adjective']:.1%}, "
          f"at the noun {where['noun']:.1%}")  # fmt: skip
seeds = lesson.alignment_table(data)["overall"]
print(f"five seeds of the sweep: {min(seeds):.1%} to {max(seeds):.1%} of the French words")

# %%
say(
    "In this run, {agreement:.0%} of the French words put their largest weight on the very "
    "word the grammar says they translate; the word class that misses most often is the "
    "{worst} ({worst_value:.0%} on the gold word).",
    agreement=agreement,
    worst=lesson.class_name(min(by_class, key=by_class.get)),
    worst_value=min(by_class.values()),
)

# %% [markdown]
# That is one seed: over the five seeds of the sweep the agreement ranges from about 85 % to
# 93 % (last line above), and in every seed most of the misses are adjectives (the box on
# explanations below prints them seed by seed).
#
# Why do adjectives stray? Every French adjective needs two facts: which adjective
# ("black"), and the gender of its noun ("noir" or "noire"). With a bidirectional encoder
# *two* annotations hold both facts: the noun's (its left-to-right half has just read
# "black") and the adjective's (its right-to-left half has just read "table"). Either is a
# good place to look, and training picks one.

# %%
say(
    "In this run, {f_noun:.0%} of the feminine adjectives look at their noun and {f_adj:.0%} "
    "at the English adjective; of the masculine ones, {m_noun:.0%} look at the noun and "
    "{m_adj:.0%} at the adjective.",
    f_noun=targets["feminine"]["noun"],
    f_adj=targets["feminine"]["adjective"],
    m_noun=targets["masculine"]["noun"],
    m_adj=targets["masculine"]["adjective"],
)

# %% [markdown]
# The model looks where the *information* is, which is not always where a linguist draws the
# link.
#
# ### Exercise 2: read an alignment
#
# Below are the live model's weights for one test sentence, rounded to two decimals. Which
# English word does the French adjective asked about look at most? Answer with the English
# word, in quotes.

# %%
reading = lesson.reading_exercise(records)
print(ex.reading_text(reading))
print(f"\nWhich English word does '{reading.word}' look at most?")

# %%
# BEGIN SOLUTION (stub: answer = ...)
answer = reading.source[int(np.argmax(reading.weights[reading.row]))]  # the row's largest entry
# END SOLUTION
ex.check_alignment(answer, reading)

# %% [markdown]
# A tempting wrong answer is the word at the same position in the English sentence (what a
# word-by-word translation would use):

# %%
checks.demo(lambda a: ex.check_alignment(a, reading), reading.source[reading.row])

# %% [markdown]
# ## Why a bidirectional encoder?
#
# A left-to-right GRU's state at word $j$ summarises the words *up to* $j$: the state at
# "mat" in "the red mat" has already read "red". A decoder that needs "red" can then look at
# "mat" instead, and the alignment shifts by one word. Bahdanau et al. used a bidirectional
# RNN so that "the annotation of each word summarize[s] not only the preceding words, but also
# the following words" (their section 3.2). The sweep also trained the attention model with a
# left-to-right encoder only (same budget, three seeds):

# %%
uni = lesson.direction_table(data)
for name, values in uni.items():
    print(f"{name:>26}: " + ", ".join(f"{v:.1%}" for v in values))

# %% [markdown]
# With the left-to-right encoder the alignments agree with the gold words less often (printed
# above), and at this budget the model also translates far worse (the sweep table above). A
# plausible reason, which we did not test further: an article must look ahead to its noun for
# "le" or "la", and a left-to-right annotation of "the" has not read the noun yet. A bidirectional
# encoder does not *force* the alignment to be exact either: its annotation of a word also
# knows the neighbours. The next box shows what our seeds did with that freedom.
#
# ## The claims, checked
#
# > **Claim** (a common reading of heatmaps like these): the attention weights show *why* the
# > model chose each word: they are an explanation.
# >
# > **Verdict: misleading.** They show where the weighted average took its inputs from, which
# > is not the same thing. In our own sweep, the five general-score models all translate
# > sentences of seen lengths almost perfectly, yet their alignments differ (printed below):
# > in two seeds *no* French adjective looks at its English adjective, in the others some do
# > (in seed 0 only the masculine ones). The three additive-score models do the reverse:
# > nearly all their adjectives look at the English adjective, but many of their articles do
# > not look at "the" (the noun, which decides between "le" and "la", is the other good place
# > to look). Where the weights go depends on the score function and on the random
# > initialisation, not only on what the words mean. Jain & Wallace (2019, "Attention is not
# > Explanation", NAACL) found, on text classification, question answering and natural
# > language inference, that attention weights often correlate weakly with gradient-based and
# > leave-one-out measures of which inputs matter, and that one can find very different
# > weights that give the same prediction; they did not study translation. Wiegreffe & Pinter
# > (2019, "Attention is not not Explanation", EMNLP) replied that this does not show the
# > weights are meaningless: whether they explain depends on what one means by an explanation
# > and must be tested against the whole model. One of their tests is the one printed below:
# > compare the weights across random seeds before reading much into one model's.

# %%
for model in ("general", "additive"):
    table = lesson.alignment_table(data, model)
    rows = zip(table["overall"], table["adjective"], table["article"], strict=True)
    for seed, (overall, adjective, article) in enumerate(rows):
        print(f"{model:>8} score, seed {seed}: argmax = gold for {overall:.1%} of words, "
              f"{adjective:.1%} of adjectives, {article:.1%} of articles")  # fmt: skip

# %% [markdown]
# > **Claim** (the article): in translation, attention lets the model
# > "动态地关注源语言中相关的单词" (dynamically attend to the relevant words of the source
# > language), "从而提高翻译质量" (and so improve the quality of the translation).
# >
# > **Verdict: accurate, with two qualifications.** First, it attends *softly*: every word gets
# > a positive weight, and the context is a weighted average of the annotations, which
# > themselves mix in the neighbours; a sharp, one-word focus is something the model may or
# > may not learn. Second, on real data it improved RNN translation a lot: it matched the
# > phrase-based system of the time on sentences without unknown words, and trailed it on
# > all sentences. In Bahdanau et al.'s Table 1 (WMT'14 English→French, BLEU), the attention
# > model RNNsearch-50 scored 26.75 on all test sentences against 17.82 for the
# > encoder–decoder without attention, RNNencdec-50; trained longer, RNNsearch-50* reached
# > 28.45, while Moses, the standard phrase-based statistical translator (which also used a
# > separate monolingual corpus of 418 million words), scored 33.30. On the sentences without
# > unknown words, RNNsearch-50* scored 36.15 (RNNsearch-50, 34.16) against 35.63 for Moses.
# > The paper says as much, "as high as that of the conventional phrase-based translation
# > system (Moses), when only the sentences consisting of known words are considered", and
# > its abstract claims "a translation performance comparable to the existing
# > state-of-the-art phrase-based system".
#
# ## What this lesson does not show
#
# - **Longer sentences than in training.** At four clauses the attention model's exact match
#   falls to between 0.23 and 0.47 over the five seeds (sweep table; this notebook's run is
#   in its first table): attention removes the bottleneck, it does not teach the decoder to keep
#   going past the lengths it was trained on.
# - **Real language.** Our grammar has about 30 words, no ambiguity and no idioms; the gap
#   between the two models is large because the budget is tiny and the structure is clean.
#   Bahdanau et al.'s real-data result is the one above: a large gain, not a solved problem.
# - **Speed.** Each French word still waits for the previous one, and the encoder still reads
#   the sentence one word at a time. Lesson 09 drops the
#   recurrence entirely.
#
# ## Summary
#
# - An encoder–decoder without attention must carry the whole source sentence in one fixed
#   vector; at our budget it translates one clause and fails from two clauses on, although a
#   control shows it can learn one-clause sentences perfectly.
# - Attention gives each target word its own context vector, a softmax-weighted mean of all
#   the encoder's annotations: queries from the decoder, keys and values from the encoder
#   (cross-attention). With it the same model translates held-out sentences of one to three
#   clauses almost perfectly.
# - The attention heatmaps of a trained model recover most of the gold word alignment
#   (85-93 % of French words over five seeds of the general-score model), including "sat" →
#   "s'est assis" and, in some seeds and for some adjectives, the crossing of a moved
#   adjective, without ever being told about alignments. Most misses are adjectives, which
#   can find what they need in their noun's annotation as well.
# - A bidirectional encoder gives each word an annotation of both its sides; a one-directional
#   one shifts alignments. Even so, different seeds align differently while translating
#   equally well: attention weights are evidence about a model, not by themselves an
#   explanation of it.
# - Attention does not extrapolate to longer sentences for free. On real data it improved RNN
#   translation a lot: it matched the phrase-based system of the time on sentences without
#   unknown words, and trailed it on all sentences.
# - BLEU, the papers' score, is the geometric mean of clipped n-gram precisions ($n \le 4$)
#   times a brevity penalty: partial credit where exact match gives none. The papers decoded
#   with beam search; greedy decoding is its beam of one.
#
# Next, lesson 09 drops the recurrence entirely: it measures what a self-attention layer costs
# and gains against a recurrent one (Vaswani et al.'s Table 1), and trains a small Transformer
# on lesson 06's agreement task.
#
# ## Further reading
#
# - D. Bahdanau, K. Cho, Y. Bengio (2014), "Neural machine translation by jointly learning to
#   align and translate", *ICLR 2015*: the additive attention, the bidirectional encoder, the
#   length curves (Fig. 2), the alignment heatmaps (Fig. 3) and the BLEU scores (Table 1).
# - K. Papineni, S. Roukos, T. Ward, W.-J. Zhu (2002), "BLEU: a method for automatic
#   evaluation of machine translation", *ACL*.
# - K. Cho, B. van Merriënboer, D. Bahdanau, Y. Bengio (2014), "On the properties of neural
#   machine translation: encoder–decoder approaches", *SSST-8 workshop*: the fixed-vector model
#   degrades with sentence length.
# - I. Sutskever, O. Vinyals, Q. V. Le (2014), "Sequence to sequence learning with neural
#   networks", *NeurIPS*: the deep LSTM encoder–decoder.
# - M.-T. Luong, H. Pham, C. D. Manning (2015), "Effective approaches to attention-based neural
#   machine translation", *EMNLP*: the general and dot scores, global and local attention.
# - S. Jain, B. C. Wallace (2019), "Attention is not Explanation", *NAACL*; S. Wiegreffe,
#   Y. Pinter (2019), "Attention is not not Explanation", *EMNLP*.
# - D. Britz, A. Goldie, M.-T. Luong, Q. Le (2017), "Massive exploration of neural machine
#   translation architectures", *EMNLP*: additive against dot-product attention, among much
#   else.
# - J. Alammar (2018), "Visualizing a neural machine translation model" (blog post): the same
#   mechanics, animated.

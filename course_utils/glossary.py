"""The course's key terms in English and Chinese (the seed article is in Chinese).

Each entry names the lesson that introduces the term. Lesson 00 shows the whole table.
tests/unit/test_glossary.py checks that every term a lesson introduces in bold with its Chinese
name, **term** (中文), is here, and that each entry's lesson uses the Chinese name.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    english: str
    chinese: str
    lesson: str
    meaning: str


GLOSSARY = (
    Term("gradient", "梯度", "01", "vector of partial derivatives of the loss"),
    Term("derivative", "导数", "01", "rate of change of a function"),
    Term("activation function", "激活函数", "01", "the nonlinearity applied to each unit"),
    Term("saturation", "饱和", "01", "input region where an activation's derivative is ~0"),
    Term("finite differences", "有限差分", "01", "derivative estimated from f(x+h) - f(x-h)"),
    Term(
        "automatic differentiation",
        "自动微分",
        "01",
        "derivatives computed by the software from the recorded operations",
    ),
    Term("chain rule", "链式法则", "02", "derivative of a composition is a product"),
    Term("backpropagation", "反向传播", "02", "the chain rule applied layer by layer"),
    Term("vanishing gradient", "梯度消失", "02", "gradient shrinking exponentially with depth"),
    Term("exploding gradient", "梯度爆炸", "04", "gradient growing exponentially with depth"),
    Term("initialisation", "初始化", "02", "how weights are set before training"),
    Term(
        "recurrent neural network (RNN)",
        "循环神经网络",
        "03",
        "a network applied step by step, carrying a hidden state",
    ),
    Term("hidden state", "隐藏状态", "03", "the RNN's memory h_t"),
    Term(
        "backpropagation through time (BPTT)",
        "随时间反向传播",
        "03",
        "backpropagation through an RNN unrolled over time",
    ),
    Term(
        "truncated BPTT",
        "截断的随时间反向传播",
        "03",
        "BPTT that propagates each gradient back only k steps",
    ),
    Term("Jacobian", "雅可比矩阵", "03", "matrix of partial derivatives dh_t/dh_{t-1}"),
    Term("eigenvalue", "特征值", "03", "a factor by which a matrix scales one of its directions"),
    Term("spectral radius", "谱半径", "03", "largest absolute eigenvalue of a matrix"),
    Term("singular value", "奇异值", "03", "how much a matrix stretches along one direction"),
    Term("long-range dependency", "长期依赖", "03", "output depends on an input far back"),
    Term(
        "identity initialisation",
        "恒等初始化",
        "04",
        "recurrent weights set to the identity matrix (IRNN)",
    ),
    Term(
        "orthogonal initialisation",
        "正交初始化",
        "04",
        "weights set to a random matrix W with W^T W = I: every singular value is 1",
    ),
    Term(
        "basin of attraction",
        "吸引域",
        "04",
        "the starting states from which a dynamical system ends at a given attractor",
    ),
    Term("gradient clipping", "梯度裁剪", "04", "rescaling a gradient whose norm is too large"),
    Term("batch normalisation", "批量归一化", "04", "standardising each feature over a batch"),
    Term("layer normalisation", "层归一化", "04", "standardising over the units of one example"),
    Term(
        "long short-term memory (LSTM)",
        "长短期记忆网络",
        "05",
        "RNN with a gated, additive cell state",
    ),
    Term("gate", "门", "05", "a sigmoid in (0, 1) that scales a signal"),
    Term("forget gate", "遗忘门", "05", "how much of the old cell state is kept"),
    Term("input gate", "输入门", "05", "how much new information is written"),
    Term("output gate", "输出门", "05", "how much of the cell state is shown"),
    Term("cell state", "细胞状态", "05", "the LSTM's additive memory c_t"),
    Term("peephole connection", "窥视孔连接", "05", "feeds the LSTM's cell state into its gates"),
    Term("gated recurrent unit (GRU)", "门控循环单元", "05", "a lighter gated RNN"),
    Term("subject–verb agreement", "主谓一致", "06", "the verb's number matches its subject's"),
    Term("test set", "测试集", "06", "held-out examples used only to measure accuracy"),
    Term("chance level", "随机猜测水平", "06", "the accuracy of guessing without looking"),
    Term("binary cross-entropy", "二元交叉熵", "06", "the loss -log p of the right answer"),
    Term("embedding", "词嵌入", "06", "a learned vector for each word"),
    Term("attention", "注意力机制", "07", "a weighted average whose weights are computed"),
    Term("self-attention", "自注意力", "07", "attention of a sequence over itself"),
    Term("query / key / value", "查询 / 键 / 值", "07", "the three roles in attention"),
    Term("softmax", "softmax 函数", "07", "turns scores into positive weights that sum to 1"),
    Term("scaled dot-product attention", "缩放点积注意力", "07", "softmax(QK^T / sqrt(d_k)) V"),
    Term("entropy", "熵", "07", "how spread out a distribution is: -sum p log p"),
    Term("multi-head attention", "多头注意力", "07", "several attentions in parallel"),
    Term("mask", "掩码", "07", "forbids attending to some positions"),
    Term("positional encoding", "位置编码", "09", "tells attention where each token is"),
    Term(
        "encoder–decoder",
        "编码器–解码器",
        "08",
        "one network reads the source sentence, another writes the target",
    ),
    Term("bottleneck", "瓶颈", "08", "one fixed vector must carry the whole sentence"),
    Term(
        "cross-attention",
        "交叉注意力",
        "08",
        "queries from the decoder, keys and values from the encoder",
    ),
    Term("teacher forcing", "教师强制", "08", "the decoder reads the reference previous words"),
    Term("greedy decoding", "贪心解码", "08", "feed back the most likely word at each step"),
    Term("beam search", "束搜索", "08", "keep the B most likely partial translations at each step"),
    Term(
        "modified n-gram precision",
        "修正的 n 元精确率",
        "08",
        "share of a translation's n-grams found in the reference, each clipped to its count there",
    ),
    Term("brevity penalty", "简短惩罚", "08", "BLEU's factor exp(1 - r/c) for short translations"),
    Term("control experiment", "对照实验", "08", "a run that rules out a trivial explanation"),
    Term("sequence to sequence (seq2seq)", "序列到序列", "08", "maps one sequence to another"),
    Term("alignment", "对齐", "08", "which source word a target word corresponds to"),
    Term(
        "sequential operation",
        "顺序操作",
        "09",
        "an operation that must wait for the previous one's result",
    ),
    Term("path length", "路径长度", "09", "steps a signal crosses between two positions"),
    Term("dilution", "稀释", "09", "attention's gradient to one token shrinking like 1/n"),
    Term(
        "Transformer block",
        "Transformer 块",
        "09",
        "self-attention then an MLP, each with a residual connection and layer norm",
    ),
    Term("feed-forward sublayer", "前馈层", "09", "an MLP applied to each position separately"),
    Term("residual connection", "残差连接", "09", "adds a layer's input to its output"),
    Term("Transformer", "Transformer 模型", "09", "a network built from attention, no recurrence"),
    Term(
        "key-value cache",
        "键值缓存",
        "09",
        "the keys and values of the tokens generated so far, kept for the next step",
    ),
    Term(
        "autoregressive generation",
        "自回归生成",
        "09",
        "writing one token at a time, each fed back as input for the next",
    ),
    Term(
        "learning-rate warm-up",
        "学习率预热",
        "09",
        "a learning rate that starts small and rises over the first steps",
    ),
    Term(
        "label smoothing",
        "标签平滑",
        "09",
        "a target that spreads a little probability on every class",
    ),
    Term("peak memory", "峰值内存", "10", "the most memory a computation holds at once"),
    Term(
        "sliding-window attention",
        "滑动窗口注意力",
        "10",
        "each token attends only to the w most recent tokens",
    ),
    Term("feature map", "特征映射", "10", "phi(x), whose dot products replace exp(q.k)"),
    Term("relative error", "相对误差", "10", "||approx - exact|| / ||exact||"),
    Term("Vision Transformer", "视觉 Transformer", "10", "a Transformer over image patches"),
    Term("patch", "图像块", "10", "a small square of an image, used as one token"),
    Term(
        "sequential recommendation",
        "序列推荐",
        "10",
        "predicting a user's next item from their history",
    ),
    Term("hit rate", "命中率", "10", "share of users whose top recommendation is their next pick"),
    Term("sparse attention", "稀疏注意力", "10", "attention over a subset of positions"),
    Term("linear attention", "线性注意力", "10", "attention in O(n) via a kernel feature map"),
    Term("language model", "语言模型", "11", "a model of the probability of the next word"),
    Term(
        "large language model (LLM)",
        "大型语言模型",
        "11",
        "a language model with billions of parameters, trained on vast text",
    ),
    Term(
        "next-token prediction",
        "下一个词预测",
        "11",
        "training by scoring each position's guess of the token after it",
    ),
    Term("autoregressive", "自回归", "11", "generating one token at a time, each fed back in"),
    Term(
        "decoder-only Transformer",
        "仅解码器",
        "11",
        "a stack of causal self-attention blocks, no encoder (GPT)",
    ),
    Term(
        "key/value cache",
        "键值缓存",
        "11",
        "the keys and values of earlier tokens, kept so each new token costs one position",
    ),
    Term("temperature", "温度", "11", "divides the logits before the softmax: T < 1 sharpens"),
    Term("top-k sampling", "top-k 采样", "11", "sampling among the k likeliest tokens only"),
    Term("scaling law", "缩放定律", "11", "loss falling as a power law of model and data size"),
)


def glossary_markdown() -> str:
    """The glossary as a markdown table, in course order."""
    rows = ["| English | 中文 | lesson | meaning |", "|---|---|---|---|"]
    for term in sorted(GLOSSARY, key=lambda t: t.lesson):
        rows.append(f"| {term.english} | {term.chinese} | {term.lesson} | {term.meaning} |")
    return "\n".join(rows)

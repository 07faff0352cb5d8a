// The Qwen2 language model shared by Qwen2-VL and Qwen2.5-VL: embeddings, N pre-norm layers of
// GQA attention (M-RoPE, QKV bias) and SwiGLU MLP, final RMSNorm, lm_head. It runs a chunk of
// rows whose embeddings the caller has already placed (image rows included) against a KV cache;
// it does not know about images, tokens-to-text or sampling.
using QwenVL.Models.Diagnostics;
using QwenVL.Tensors;

namespace QwenVL.Models.Text;

/// <summary>Runs the Qwen2 decoder stack over chunks of rows.</summary>
public sealed class Qwen2TextDecoder
{
    private readonly Qwen2TextWeights _w;
    private readonly IComputeBackend _backend;
    private readonly float[] _invFreq;
    private readonly int[] _axisOf;
    private readonly float _scale;

    /// <summary>Creates the decoder over bound weights.</summary>
    public Qwen2TextDecoder(Qwen2TextConfig config, Qwen2TextWeights weights, IComputeBackend backend)
    {
        Config = config;
        _w = weights;
        _backend = backend;
        _invFreq = MRope.InverseFrequencies(config.HeadDim, config.RopeTheta);
        _axisOf = MRope.AxisOfFrequency(config.MRopeSection);
        _scale = 1f / MathF.Sqrt(config.HeadDim);
    }

    /// <summary>Dimensions.</summary>
    public Qwen2TextConfig Config { get; }

    /// <summary>Weight bytes one decode step streams from memory (see <see cref="Qwen2TextWeights.DecodeBytesPerToken"/>).</summary>
    public long DecodeBytesPerToken => _w.DecodeBytesPerToken;

    /// <summary>
    /// Cache bytes one decode step reads per cached token: every layer's K and V rows (float32). A
    /// step at cache length L reads L + 1 of them, on top of <see cref="DecodeBytesPerToken"/>.
    /// </summary>
    public long KvBytesPerPosition => 2L * Config.NumLayers * Config.KvDim * sizeof(float);

    /// <summary>Optional activation tap ("text.blk.{i}.out", "text.norm").</summary>
    public IActivationTap? Tap { get; set; }

    /// <summary>Writes the embedding row of <paramref name="token"/> into <paramref name="destination"/> [H].</summary>
    public void Embed(int token, Span<float> destination)
    {
        if ((uint)token >= (uint)Config.VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary [0, {Config.VocabSize})");
        }
        _w.Embeddings.ReadRow(token, destination);
    }

    /// <summary>
    /// Runs <paramref name="rows"/> rows of <see cref="DecoderBuffers.Hidden"/> (positions already in
    /// <see cref="DecoderBuffers.PosT"/>/H/W) at cache index <see cref="KvCache.Length"/>, appends their
    /// keys and values to the cache, and leaves the final hidden states in Hidden.
    /// </summary>
    public void Forward(KvCache cache, DecoderBuffers b, int rows)
    {
        if (rows > b.MaxRows || cache.Length + rows > cache.Capacity)
        {
            throw new InvalidOperationException($"chunk of {rows} rows at {cache.Length} exceeds buffers ({b.MaxRows}) or cache ({cache.Capacity})");
        }
        RunLayers(b, rows, cache, null);
        cache.Length += rows;
    }

    /// <summary>
    /// Continuous batching: row <c>r</c> of Hidden is the next token of the sequence whose cache is
    /// <paramref name="caches"/>[r]. The weights are read once for all rows (decode is bound by
    /// weight bandwidth, so B rows cost little more than one); attention runs per sequence.
    /// </summary>
    public void ForwardBatch(ReadOnlySpan<KvCache> caches, DecoderBuffers b)
    {
        int rows = caches.Length;
        if (rows > b.MaxRows)
        {
            throw new InvalidOperationException($"batch of {rows} exceeds the buffers' {b.MaxRows} rows");
        }
        foreach (KvCache cache in caches)
        {
            if (cache.Length >= cache.Capacity)
            {
                throw new InvalidOperationException($"KV cache full ({cache.Capacity} tokens)");
            }
        }
        RunLayers(b, rows, null, caches);
        foreach (KvCache cache in caches)
        {
            cache.Length++;
        }
    }

    /// <summary>The layer stack; K/V go to <paramref name="single"/> (rows contiguous) or, per row, to <paramref name="batch"/>.</summary>
    private void RunLayers(DecoderBuffers b, int rows, KvCache? single, ReadOnlySpan<KvCache> batch)
    {
        Qwen2TextConfig c = Config;
        int h = c.HiddenSize;
        Span<float> hidden = b.Hidden.AsSpan(0, rows * h);
        Span<float> normed = b.Normed.AsSpan(0, rows * h);
        MRope.Fill(b.PosT.AsSpan(0, rows), b.PosH.AsSpan(0, rows), b.PosW.AsSpan(0, rows), _invFreq, _axisOf,
            b.Cos.AsSpan(0, rows * c.HeadDim), b.Sin.AsSpan(0, rows * c.HeadDim));

        for (int l = 0; l < _w.Layers.Length; l++)
        {
            Qwen2LayerWeights L = _w.Layers[l];
            // Attention block: x += o_proj(attn(rope(q), rope(k), v)).
            _backend.RmsNorm(hidden, rows, h, L.InputNorm, c.RmsNormEps, normed);
            L.Q.Forward(_backend, normed, rows, b.Q);
            L.K.Forward(_backend, normed, rows, b.K);
            L.V.Forward(_backend, normed, rows, b.V);
            _backend.Rope(b.Q, rows, c.NumHeads, c.HeadDim, c.QDim, b.Cos, b.Sin);
            _backend.Rope(b.K, rows, c.NumKvHeads, c.HeadDim, c.KvDim, b.Cos, b.Sin);
            if (single is not null)
            {
                AttendContiguous(single, l, b, rows);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    AttendOne(batch[r], l, b, r);
                }
            }
            L.O.Forward(_backend, b.Attn, rows, normed);
            _backend.Add(normed, hidden);

            // MLP block: x += down(silu(gate(x)) · up(x)).
            _backend.RmsNorm(hidden, rows, h, L.PostAttentionNorm, c.RmsNormEps, normed);
            L.Gate.Forward(_backend, normed, rows, b.Gate);
            L.Up.Forward(_backend, normed, rows, b.Up);
            Span<float> gate = b.Gate.AsSpan(0, rows * c.IntermediateSize);
            _backend.SwiGlu(gate, b.Up.AsSpan(0, rows * c.IntermediateSize), gate);
            L.Down.Forward(_backend, b.Gate, rows, normed);
            _backend.Add(normed, hidden);
            Tap?.Tap($"text.blk.{l}.out", hidden, rows, h);
        }
    }

    /// <summary>Appends the chunk's K/V rows to one cache and attends causally over it.</summary>
    private void AttendContiguous(KvCache cache, int layer, DecoderBuffers b, int rows)
    {
        Qwen2TextConfig c = Config;
        int start = cache.Length, kv = c.KvDim;
        cache.Write(layer, start, b.K.AsSpan(0, rows * kv), b.V.AsSpan(0, rows * kv), rows);
        _backend.Attention(b.Q, rows, c.QDim, cache.Keys[layer], cache.Values[layer], start + rows, c.HeadDim,
            c.NumHeads, c.NumKvHeads, c.HeadDim, _scale, causalOffset: start, b.Attn, c.QDim, cache.HeadStride);
    }

    /// <summary>Appends row <paramref name="row"/>'s K/V to its own cache and attends over all of it.</summary>
    private void AttendOne(KvCache cache, int layer, DecoderBuffers b, int row)
    {
        Qwen2TextConfig c = Config;
        int start = cache.Length, kv = c.KvDim;
        cache.Write(layer, start, b.K.AsSpan(row * kv, kv), b.V.AsSpan(row * kv, kv), 1);
        _backend.Attention(b.Q.AsSpan(row * c.QDim, c.QDim), 1, c.QDim, cache.Keys[layer], cache.Values[layer], start + 1, c.HeadDim,
            c.NumHeads, c.NumKvHeads, c.HeadDim, _scale, causalOffset: -1, b.Attn.AsSpan(row * c.QDim, c.QDim), c.QDim, cache.HeadStride);
    }

    /// <summary>Final norm and lm_head on row <paramref name="row"/> of Hidden, into row 0 of <see cref="DecoderBuffers.Logits"/>.</summary>
    public void Logits(DecoderBuffers b, int row)
    {
        int h = Config.HiddenSize;
        Span<float> normed = b.Normed.AsSpan(0, h);
        _backend.RmsNorm(b.Hidden.AsSpan(row * h, h), 1, h, _w.Norm, Config.RmsNormEps, normed);
        Tap?.Tap("text.norm", normed, 1, h);
        _w.LmHead.Forward(_backend, normed, 1, b.Logits);
    }

    /// <summary>Final norm and lm_head on the first <paramref name="rows"/> rows of Hidden, into Logits [rows, V].</summary>
    public void LogitsAll(DecoderBuffers b, int rows)
    {
        int h = Config.HiddenSize;
        if (b.Logits.Length < rows * Config.VocabSize)
        {
            throw new InvalidOperationException($"logits buffer holds {b.Logits.Length / Config.VocabSize} rows, {rows} needed");
        }
        Span<float> normed = b.Normed.AsSpan(0, rows * h);
        _backend.RmsNorm(b.Hidden.AsSpan(0, rows * h), rows, h, _w.Norm, Config.RmsNormEps, normed);
        _w.LmHead.Forward(_backend, normed, rows, b.Logits);
    }
}

// One sequence in flight: its KV cache, decoder scratch and rope delta. Prefill places image
// embeddings over the <|image_pad|> rows, runs the prompt in chunks and returns the last logits;
// Decode runs one token and allocates nothing. Not thread-safe: one generation at a time.
using QwenVL.Models.Multimodal;
using QwenVL.Models.Text;

namespace QwenVL.Models;

/// <summary>KV cache plus buffers for one sequence.</summary>
public sealed class ModelSession
{
    private readonly VisionLanguageModel _model;
    private readonly DecoderBuffers _buffers;
    private readonly int _chunk;

    /// <remarks>
    /// Buffers hold a quarter more rows than the nominal <paramref name="chunk"/>: a remainder that fits
    /// joins the last chunk, because every chunk streams all weights once (a 526-token prompt in chunks
    /// of 512 + 14 spent ~10% of its prefill on the 14).
    /// </remarks>
    internal ModelSession(VisionLanguageModel model, int capacity, int chunk)
    {
        _model = model;
        Qwen2TextConfig c = model.Text.Config;
        Cache = new KvCache(c.NumLayers, c.NumKvHeads, c.HeadDim, capacity);
        _chunk = chunk;
        _buffers = new DecoderBuffers(c, Math.Min(capacity, chunk + (chunk / 4)));
    }

    /// <summary>The sequence's cache.</summary>
    public KvCache Cache { get; }

    /// <summary>Tokens in the cache.</summary>
    public int Length => Cache.Length;

    /// <summary>M-RoPE delta of the last prefill (decode position = cache index + delta).</summary>
    public int RopeDelta { get; private set; }

    /// <summary>
    /// Appends <paramref name="ids"/> with positions <paramref name="positions"/> (which already include
    /// any offset of earlier turns); each image-pad run takes the rows of the next entry of
    /// <paramref name="imageEmbeddings"/> ([tokens, H] each). Returns the logits after the last id.
    /// </summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> ids, IReadOnlyList<float[]> imageEmbeddings, MRopePositionIds positions)
    {
        int n = ids.Length, h = _model.Text.Config.HiddenSize, imagePad = _model.Tokens.ImagePad;
        if (n == 0)
        {
            throw new ArgumentException("cannot prefill an empty prompt", nameof(ids));
        }
        if (positions.T.Length != n)
        {
            throw new ArgumentException($"{positions.T.Length} positions for {n} tokens", nameof(positions));
        }
        if (Cache.Length + n > Cache.Capacity)
        {
            throw new ArgumentException($"prompt of {n} tokens after {Cache.Length} cached does not fit the cache of {Cache.Capacity}");
        }
        int image = 0, imageRow = 0;
        for (int start = 0, rows; start < n; start += rows)
        {
            rows = n - start <= _buffers.MaxRows ? n - start : _chunk;
            for (int r = 0; r < rows; r++)
            {
                int i = start + r;
                Span<float> dst = _buffers.Hidden.AsSpan(r * h, h);
                if (ids[i] == imagePad)
                {
                    if (image >= imageEmbeddings.Count)
                    {
                        throw new ArgumentException($"image token at {i} but only {imageEmbeddings.Count} image embedding(s)");
                    }
                    imageEmbeddings[image].AsSpan(imageRow * h, h).CopyTo(dst);
                    if (++imageRow * h == imageEmbeddings[image].Length)
                    {
                        image++;
                        imageRow = 0;
                    }
                }
                else
                {
                    _model.Text.Embed(ids[i], dst);
                }
                _buffers.PosT[r] = positions.T[i];
                _buffers.PosH[r] = positions.H[i];
                _buffers.PosW[r] = positions.W[i];
            }
            _model.Text.Forward(Cache, _buffers, rows);
            if (start + rows == n)
            {
                _model.Text.Logits(_buffers, rows - 1);
            }
        }
        if (image != imageEmbeddings.Count || imageRow != 0)
        {
            throw new ArgumentException($"{imageEmbeddings.Count} image embedding(s) given but the prompt's image tokens used {image} (+{imageRow} rows)");
        }
        RopeDelta = positions.RopeDelta;
        return _buffers.Logits.AsSpan(0, _model.Text.Config.VocabSize);
    }

    /// <summary>Runs one generated token and returns the logits for the next.</summary>
    public ReadOnlySpan<float> Decode(int token)
    {
        if (Cache.Length >= Cache.Capacity)
        {
            throw new InvalidOperationException($"KV cache full ({Cache.Capacity} tokens)");
        }
        int h = _model.Text.Config.HiddenSize;
        _model.Text.Embed(token, _buffers.Hidden.AsSpan(0, h));
        int pos = Cache.Length + RopeDelta;
        _buffers.PosT[0] = _buffers.PosH[0] = _buffers.PosW[0] = pos;
        _model.Text.Forward(Cache, _buffers, 1);
        _model.Text.Logits(_buffers, 0);
        return _buffers.Logits.AsSpan(0, _model.Text.Config.VocabSize);
    }

    /// <summary>Empties the cache.</summary>
    public void Reset()
    {
        Cache.Length = 0;
        RopeDelta = 0;
    }

    /// <summary>Keeps the first <paramref name="length"/> cached tokens (prefix reuse); the next prefill continues after them.</summary>
    public void Truncate(int length) => Cache.Truncate(length);

    /// <summary>A new session of <paramref name="capacity"/> tokens holding a copy of this one's first <paramref name="length"/> tokens.</summary>
    public ModelSession CopyPrefix(int length, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ModelSession copy = _model.CreateSession(capacity);
        Cache.CopyPrefixTo(copy.Cache, length);
        copy.Cache.Length = length;
        copy.RopeDelta = RopeDelta;
        return copy;
    }
}

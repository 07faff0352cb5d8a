// One decode step for several sequences at once (continuous batching): row r of the batch is the
// next token of session r. Matrices are read once per step for all rows, so on a bandwidth-bound
// CPU four sequences cost little more than one. Buffers are sized once for maxBatch rows; a step
// allocates nothing. Which sequences join a step is the scheduler's business, not this class's.
using QwenVL.Models.Text;

namespace QwenVL.Models;

/// <summary>Batched single-token decode over independent sessions.</summary>
public sealed class BatchDecoder
{
    private readonly VisionLanguageModel _model;
    private readonly DecoderBuffers _buffers;
    private readonly KvCache[] _caches;

    /// <summary>Sizes buffers for up to <paramref name="maxBatch"/> sequences per step.</summary>
    public BatchDecoder(VisionLanguageModel model, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _model = model;
        _buffers = new DecoderBuffers(model.Text.Config, maxBatch, maxBatch);
        _caches = new KvCache[maxBatch];
        MaxBatch = maxBatch;
    }

    /// <summary>Most sequences per step.</summary>
    public int MaxBatch { get; }

    /// <summary>
    /// Feeds <paramref name="tokens"/>[r] to <paramref name="sessions"/>[r] and returns logits
    /// <c>[count, V]</c>, row r for session r. Valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Step(ReadOnlySpan<ModelSession> sessions, ReadOnlySpan<int> tokens)
    {
        int count = sessions.Length;
        if (count == 0 || count > MaxBatch || tokens.Length != count)
        {
            throw new ArgumentException($"a step takes 1..{MaxBatch} sessions with one token each; got {count} sessions and {tokens.Length} tokens");
        }
        int h = _model.Text.Config.HiddenSize;
        for (int r = 0; r < count; r++)
        {
            ModelSession s = sessions[r];
            _model.Text.Embed(tokens[r], _buffers.Hidden.AsSpan(r * h, h));
            _buffers.PosT[r] = _buffers.PosH[r] = _buffers.PosW[r] = s.Length + s.RopeDelta;
            _caches[r] = s.Cache;
        }
        _model.Text.ForwardBatch(_caches.AsSpan(0, count), _buffers);
        _model.Text.LogitsAll(_buffers, count);
        return _buffers.Logits.AsSpan(0, count * _model.Text.Config.VocabSize);
    }
}

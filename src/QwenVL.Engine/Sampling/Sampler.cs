// Picks the next token from logits in transformers' order: repetition penalty over every token
// seen (prompt included, as RepetitionPenaltyLogitsProcessor does), then greedy argmax, or
// temperature → top-k → top-p → softmax → draw with a seeded RNG. All buffers are sized once to the
// vocabulary, so sampling allocates nothing per token.
namespace QwenVL.Engine.Sampling;

/// <summary>Stateful sampler for one sequence.</summary>
public sealed class Sampler
{
    private readonly SamplingParameters _p;
    private readonly Random _random;
    private readonly float[] _work;
    private readonly float[] _keys;
    private readonly int[] _ids;
    private readonly bool[] _seen;
    private readonly List<int> _seenList = [];

    /// <summary>Creates a sampler over a vocabulary of <paramref name="vocabSize"/> logits.</summary>
    public Sampler(SamplingParameters parameters, int vocabSize)
    {
        _p = parameters;
        _random = new Random(parameters.Seed);
        _work = new float[vocabSize];
        _keys = new float[vocabSize];
        _ids = new int[vocabSize];
        _seen = new bool[vocabSize];
    }

    /// <summary>Records tokens of the context (prompt, then each generated token) for the repetition penalty.</summary>
    public void Observe(ReadOnlySpan<int> tokens)
    {
        foreach (int t in tokens)
        {
            if ((uint)t < (uint)_seen.Length && !_seen[t])
            {
                _seen[t] = true;
                _seenList.Add(t);
            }
        }
    }

    /// <summary>Chooses the next token; when <paramref name="allowed"/> is given (bit i = token i may be drawn,
    /// e.g. a JSON constraint's mask) every other token gets probability 0.</summary>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> allowed = default)
    {
        Span<float> x = _work.AsSpan(0, logits.Length);
        logits.CopyTo(x);
        if (_p.RepetitionPenalty != 1f)
        {
            foreach (int t in _seenList)
            {
                if (t < x.Length)
                {
                    x[t] = x[t] > 0 ? x[t] / _p.RepetitionPenalty : x[t] * _p.RepetitionPenalty;
                }
            }
        }
        if (!allowed.IsEmpty)
        {
            for (int i = 0; i < x.Length; i++)
            {
                if ((i >> 6) >= allowed.Length || (allowed[i >> 6] & (1UL << (i & 63))) == 0)
                {
                    x[i] = float.NegativeInfinity;
                }
            }
        }
        if (_p.Greedy)
        {
            return ArgMax(x);
        }
        return Draw(x);
    }

    /// <summary>Index of the largest value; the first one on ties (torch.argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> x)
    {
        int best = 0;
        float max = float.NegativeInfinity;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > max)
            {
                max = x[i];
                best = i;
            }
        }
        return best;
    }

    private int Draw(Span<float> x)
    {
        int n = x.Length;
        // Sort candidates by descending logit (keys are negated so an ascending sort works in place).
        for (int i = 0; i < n; i++)
        {
            _keys[i] = -x[i] / _p.Temperature;
            _ids[i] = i;
        }
        int count = n;
        if (_p.TopK > 0 && _p.TopK < n)
        {
            // Partial selection would be faster; a full sort of 152k floats is ~10 ms and only runs when sampling.
            count = _p.TopK;
        }
        Array.Sort(_keys, _ids, 0, n);
        float max = -_keys[0];
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            float e = MathF.Exp(-_keys[i] - max);
            _keys[i] = e;
            total += e;
        }
        while (count > 1 && _keys[count - 1] == 0)
        {
            count--; // masked (-inf) or underflowed tokens must not be the rounding fallback below
        }
        if (_p.TopP < 1f)
        {
            // Keep the smallest prefix whose mass reaches top_p (always at least one token).
            double cumulative = 0;
            int keep = 0;
            while (keep < count)
            {
                cumulative += _keys[keep++] / total;
                if (cumulative >= _p.TopP)
                {
                    break;
                }
            }
            total = 0;
            for (int i = 0; i < keep; i++)
            {
                total += _keys[i];
            }
            count = keep;
        }
        double r = _random.NextDouble() * total;
        for (int i = 0; i < count; i++)
        {
            r -= _keys[i];
            if (r < 0)
            {
                return _ids[i];
            }
        }
        return _ids[count - 1];
    }
}

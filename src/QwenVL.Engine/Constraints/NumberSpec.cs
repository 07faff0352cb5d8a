// Digit-by-digit feasibility for constrained numbers: given the digits typed so far, is there still a
// way to finish the number inside [Min, Max]? Values live on a grid of 10^-FracDigits (integers: 1), with
// at most IntDigits integer digits, so every number ends. It deliberately generates no exponent and no
// "-0" pitfalls: the automaton only ever writes plain decimals like -12.5 or 42.
namespace QwenVL.Engine.Constraints;

/// <summary>The digits and inclusive range a number may take (bounds already rounded onto the grid).</summary>
internal sealed class NumberSpec
{
    /// <summary>Integer digits at most: 15 keeps every value exact in a double (2^53 ~ 9.007e15).</summary>
    public const int DefaultIntDigits = 15;

    /// <summary>Fraction digits at most for "type": "number" (0.000001 resolution).</summary>
    public const int DefaultFracDigits = 6;

    private static readonly decimal[] Pow10 = BuildPow10();

    private NumberSpec(int fracDigits, decimal min, decimal max)
    {
        FracDigits = fracDigits;
        Grid = 1m / Pow10[fracDigits];
        Limit = Pow10[DefaultIntDigits] - Grid;
        Min = Math.Max(min, -Limit);
        Max = Math.Min(max, Limit);
    }

    /// <summary>Most digits after the point (0 = integer).</summary>
    public int FracDigits { get; }

    /// <summary>Smallest step, 10^-FracDigits.</summary>
    public decimal Grid { get; }

    /// <summary>Largest magnitude representable with the digit limits.</summary>
    public decimal Limit { get; }

    /// <summary>Inclusive lower bound.</summary>
    public decimal Min { get; }

    /// <summary>Inclusive upper bound.</summary>
    public decimal Max { get; }

    /// <summary>Whether some value satisfies the range.</summary>
    public bool IsSatisfiable => Min <= Max;

    /// <summary>An integer spec; null bounds mean the digit limit.</summary>
    public static NumberSpec Integer(decimal? min, decimal? max) => new(0, min ?? decimal.MinValue, max ?? decimal.MaxValue);

    /// <summary>A spec from schema bounds; exclusive bounds move one grid step inwards when they lie on the grid.</summary>
    public static NumberSpec Create(int fracDigits, decimal? min, bool minExclusive, decimal? max, bool maxExclusive)
    {
        decimal grid = 1m / Pow10[fracDigits];
        decimal lo = decimal.MinValue;
        decimal hi = decimal.MaxValue;
        if (min is decimal a)
        {
            a = Math.Clamp(a, -1e17m, 1e17m); // beyond the digit limit anyway; keeps a / grid from overflowing
            lo = Math.Ceiling(a / grid) * grid;
            if (minExclusive && lo == a)
            {
                lo += grid;
            }
        }
        if (max is decimal b)
        {
            b = Math.Clamp(b, -1e17m, 1e17m);
            hi = Math.Floor(b / grid) * grid;
            if (maxExclusive && hi == b)
            {
                hi -= grid;
            }
        }
        return new NumberSpec(fracDigits, lo, hi);
    }

    /// <summary>Whether a negative sign can start a value in range.</summary>
    public bool AllowsNegative => Min < 0;

    /// <summary>Whether the number typed so far can still end in range.</summary>
    /// <param name="negative">a '-' was typed</param>
    /// <param name="intDigits">integer digits typed (0 = none yet)</param>
    /// <param name="intValue">their value</param>
    /// <param name="dot">a '.' was typed</param>
    /// <param name="fracDigits">fraction digits typed</param>
    /// <param name="fracValue">their value</param>
    public bool Feasible(bool negative, int intDigits, long intValue, bool dot, int fracDigits, long fracValue)
    {
        // The magnitude must land in [lo, hi].
        decimal lo = negative ? Math.Max(-Max, 0) : Math.Max(Min, 0);
        decimal hi = negative ? -Min : Max;
        if (hi < lo)
        {
            return false;
        }
        if (intDigits == 0)
        {
            return lo <= Limit;
        }
        if (dot)
        {
            decimal v = intValue + fracValue / Pow10[fracDigits];
            return Overlaps(v, v + 1m / Pow10[fracDigits] - Grid, lo, hi);
        }
        if (intValue == 0)
        {
            return Overlaps(0, 1 - Grid, lo, hi); // a leading zero takes no more integer digits
        }
        for (int e = 0; intDigits + e <= DefaultIntDigits; e++)
        {
            decimal start = intValue * Pow10[e];
            if (start > hi)
            {
                return false;
            }
            if (Overlaps(start, (intValue + 1) * Pow10[e] - Grid, lo, hi))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether the number typed so far is complete and in range.</summary>
    public bool Complete(bool negative, int intDigits, long intValue, bool dot, int fracDigits, long fracValue)
    {
        if (intDigits == 0 || (dot && fracDigits == 0))
        {
            return false;
        }
        decimal v = intValue + (dot ? fracValue / Pow10[fracDigits] : 0);
        if (negative)
        {
            v = -v;
        }
        return v >= Min && v <= Max;
    }

    private static bool Overlaps(decimal a, decimal b, decimal lo, decimal hi) => a <= hi && b >= lo;

    private static decimal[] BuildPow10()
    {
        var p = new decimal[20];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++)
        {
            p[i] = p[i - 1] * 10;
        }
        return p;
    }
}

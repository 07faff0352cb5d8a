// The scalar transitions of JsonAutomaton: strings (escapes, UTF-8 checked byte by byte, lengths in code
// points), numbers (digit-by-digit range feasibility through NumberSpec) and literals (enum/const/true/
// false/null as a small candidate set). It deliberately does not allocate; a literal or number that can
// end pops itself on the first byte that cannot extend it and lets the parent see that byte (Refeed).
namespace QwenVL.Engine.Constraints;

internal sealed partial class JsonAutomaton
{
    private static int StepString(ref int depth, ref Frame f, SchemaNode n, byte b)
    {
        switch (f.Phase)
        {
            case 0:
                if (b != '"')
                {
                    return Refused;
                }
                f.Phase = SBody;
                return Taken;
            case SBody:
                if (b == '"')
                {
                    if (f.A < n.Min)
                    {
                        return Refused;
                    }
                    depth--;
                    return Taken;
                }
                if (b < 0x20 || f.A >= n.Max)
                {
                    return Refused; // control characters must be escaped; the length is used up
                }
                f.A++;
                if (b == '\\')
                {
                    f.Phase = SEsc;
                    return Taken;
                }
                if (b < 0x80)
                {
                    return Taken;
                }
                // UTF-8 lead byte: continuation count and the range of the next byte (no overlongs, no surrogates).
                (int more, int lo, int hi) = b switch
                {
                    >= 0xC2 and <= 0xDF => (1, 0x80, 0xBF),
                    0xE0 => (2, 0xA0, 0xBF),
                    0xED => (2, 0x80, 0x9F),
                    >= 0xE1 and <= 0xEF => (2, 0x80, 0xBF),
                    0xF0 => (3, 0x90, 0xBF),
                    >= 0xF1 and <= 0xF3 => (3, 0x80, 0xBF),
                    0xF4 => (3, 0x80, 0x8F),
                    _ => (0, 0, 0),
                };
                if (more == 0)
                {
                    return Refused;
                }
                f.Aux = (byte)more;
                f.C = (lo << 8) | hi;
                f.Phase = SUtf;
                return Taken;
            case SUtf:
                if (b < (f.C >> 8) || b > (f.C & 0xFF))
                {
                    return Refused;
                }
                f.C = 0x80BF;
                if (--f.Aux == 0)
                {
                    f.Phase = SBody;
                }
                return Taken;
            case SEsc:
                if (b == 'u')
                {
                    f.Phase = SHex;
                    f.Aux = 4;
                    f.Aux2 = 0;
                    return Taken;
                }
                if (b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
                {
                    f.Phase = SBody;
                    return Taken;
                }
                return Refused;
            default: // SHex: \uD800-\uDFFF are refused so that the text always decodes to valid UTF-16
                if (!char.IsAsciiHexDigit((char)b))
                {
                    return Refused;
                }
                if (f.Aux == 4 && (b == 'd' || b == 'D'))
                {
                    f.Aux2 = 1;
                }
                else if (f.Aux == 3 && f.Aux2 == 1 && b >= '8')
                {
                    return Refused;
                }
                if (--f.Aux == 0)
                {
                    f.Phase = SBody;
                }
                return Taken;
        }
    }

    private static int StepNumber(ref int depth, ref Frame f, SchemaNode n, byte b)
    {
        NumberSpec spec = n.Number;
        bool negative = f.A == 1;
        bool digit = IsDigit(b);
        int d = b - '0';
        switch (f.Phase)
        {
            case 0 when b == '-':
                if (!spec.AllowsNegative || !spec.Feasible(true, 0, 0, false, 0, 0))
                {
                    return Refused;
                }
                f.A = 1;
                f.Phase = NSign;
                return Taken;
            case 0 or NSign:
                if (!digit)
                {
                    return Refused;
                }
                f.Aux = 1;
                f.C = d;
                f.Phase = NInt;
                return spec.Feasible(negative, 1, d, false, 0, 0) ? Taken : Refused;
            case NInt when digit && f.C != 0 && f.Aux < NumberSpec.DefaultIntDigits:
                f.C = f.C * 10 + d;
                f.Aux++;
                return spec.Feasible(negative, f.Aux, f.C, false, 0, 0) ? Taken : Refused;
            case NInt when b == '.' && spec.FracDigits > 0:
                f.Phase = NDot;
                return spec.Feasible(negative, f.Aux, f.C, true, 0, 0) ? Taken : Refused;
            case NDot when digit:
            case NFrac when digit && f.Aux2 < spec.FracDigits:
                f.D = f.D * 10 + d;
                f.Aux2++;
                f.Phase = NFrac;
                return spec.Feasible(negative, f.Aux, f.C, true, f.Aux2, f.D) ? Taken : Refused;
            case NInt or NFrac:
                if (!spec.Complete(negative, f.Aux, f.C, f.Phase == NFrac, f.Aux2, f.D))
                {
                    return Refused;
                }
                depth--;
                return Refeed;
            default:
                return Refused;
        }
    }

    private static int StepLiteral(ref int depth, ref Frame f, SchemaNode n, byte b)
    {
        byte[][] lits = n.Literals;
        for (int j = 0; j < lits.Length; j++)
        {
            byte[] lit = lits[j];
            if (lit.Length > f.B && lit[f.B] == b && (f.B == 0 || j == f.A || lit.AsSpan(0, f.B).SequenceEqual(lits[f.A].AsSpan(0, f.B))))
            {
                f.A = j;
                f.B++;
                if (!LiteralGrows(lits, j, f.B))
                {
                    depth--; // nothing longer can follow: end now so that the parent (or EOS) decides next
                }
                return Taken;
            }
        }
        if (f.B > 0 && LiteralEnds(lits, f.A, f.B))
        {
            depth--;
            return Refeed;
        }
        return Refused;
    }

    /// <summary>Some candidate sharing the first <paramref name="length"/> bytes of candidate <paramref name="a"/> is longer.</summary>
    private static bool LiteralGrows(byte[][] lits, int a, int length)
    {
        foreach (byte[] lit in lits)
        {
            if (lit.Length > length && lit.AsSpan(0, length).SequenceEqual(lits[a].AsSpan(0, length)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Some candidate equals the first <paramref name="length"/> bytes of candidate <paramref name="a"/>.</summary>
    private static bool LiteralEnds(byte[][] lits, int a, int length)
    {
        foreach (byte[] lit in lits)
        {
            if (lit.Length == length && lit.AsSpan().SequenceEqual(lits[a].AsSpan(0, length)))
            {
                return true;
            }
        }
        return false;
    }
}

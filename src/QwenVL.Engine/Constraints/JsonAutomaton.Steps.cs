// The container transitions of JsonAutomaton: objects (declared keys in schema order, or free keys) and
// arrays with item bounds; scalars are in JsonAutomaton.Scalars.cs. Each returns Taken, Refused, or
// Refeed (the frame ended before this byte; the parent must see it). It deliberately does not
// allocate: every state change is a field write on a caller-owned Frame.
namespace QwenVL.Engine.Constraints;

internal sealed partial class JsonAutomaton
{
    private const byte OFirst = 1, OKey = 2, OColon = 3, OValue = 4, OAfter = 5, OComma = 6;
    private const byte AFirst = 1, AAfter = 2, AComma = 3;
    private const byte SBody = 1, SEsc = 2, SHex = 3, SUtf = 4;
    private const byte NSign = 1, NInt = 2, NDot = 3, NFrac = 4;

    /// <summary>The frame is inside a string with no escape or UTF-8 sequence pending; <paramref name="room"/> = code points left.</summary>
    public bool InPlainString(in Frame top, out int room)
    {
        SchemaNode n = _nodes[top.Node];
        bool plain = n.Kind == NodeKind.String && top.Phase == SBody;
        room = plain ? n.Max - top.A : 0;
        return plain;
    }

    private int StepObject(Span<Frame> stack, ref int depth, ref Frame f, SchemaNode n, byte b)
    {
        int count = n.Keys.Length;
        int lo = (int)f.C + 1;                                   // properties before lo are written or skipped
        int hi = f.Phase == 0 ? -1 : Math.Min(n.RequiredFrom[lo], count - 1); // a required one cannot be skipped
        switch (f.Phase)
        {
            case 0:
                if (b != '{')
                {
                    return Refused;
                }
                f.Phase = OFirst;
                f.C = -1;
                return Taken;
            case OFirst or OComma:
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                if (b == '}' && f.Phase == OFirst && n.RequiredFrom[lo] == count)
                {
                    depth--;
                    return Taken;
                }
                if (b != '"' || lo > hi)
                {
                    return Refused;
                }
                f.A = lo;
                f.B = 1;
                f.Ws = 0;
                f.Phase = OKey;
                return Taken;
            case OKey:
                for (int j = lo; j <= hi; j++)
                {
                    byte[] key = n.Keys[j];
                    if (key.Length > f.B && key[f.B] == b && (j == f.A || key.AsSpan(0, f.B).SequenceEqual(n.Keys[f.A].AsSpan(0, f.B))))
                    {
                        f.A = j;
                        if (++f.B == key.Length)
                        {
                            f.Phase = OColon;
                            f.C = j;
                        }
                        return Taken;
                    }
                }
                return Refused;
            case OColon:
                return Colon(ref f, b);
            case OValue:
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                f.Phase = OAfter;
                f.Ws = 0;
                return Push(stack, ref depth, n.Values[(int)f.C], b);
            default: // OAfter
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                if (b == ',' && lo <= Math.Min(n.RequiredFrom[lo], count - 1))
                {
                    f.Phase = OComma;
                    f.Ws = 0;
                    return Taken;
                }
                if (b == '}' && n.RequiredFrom[lo] == count)
                {
                    depth--;
                    return Taken;
                }
                return Refused;
        }
    }

    private int StepMap(Span<Frame> stack, ref int depth, ref Frame f, SchemaNode n, byte b)
    {
        switch (f.Phase)
        {
            case 0:
                if (b != '{')
                {
                    return Refused;
                }
                f.Phase = OFirst;
                return Taken;
            case OFirst or OComma:
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                if (b == '}' && f.Phase == OFirst)
                {
                    depth--;
                    return Taken;
                }
                if (b != '"')
                {
                    return Refused;
                }
                f.Phase = OColon;
                f.Ws = 0;
                return Push(stack, ref depth, n.KeyNode, b);
            case OColon:
                return Colon(ref f, b);
            case OValue:
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                f.Phase = OAfter;
                f.Ws = 0;
                return Push(stack, ref depth, n.Child, b);
            default: // OAfter
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                if (b == ',')
                {
                    f.Phase = OComma;
                    f.Ws = 0;
                    return Taken;
                }
                if (b == '}')
                {
                    depth--;
                    return Taken;
                }
                return Refused;
        }
    }

    private static int Colon(ref Frame f, byte b)
    {
        if (Whitespace(ref f, b))
        {
            return Taken;
        }
        if (b != ':')
        {
            return Refused;
        }
        f.Phase = OValue;
        f.Ws = 0;
        return Taken;
    }

    private int StepArray(Span<Frame> stack, ref int depth, ref Frame f, SchemaNode n, byte b)
    {
        switch (f.Phase)
        {
            case 0:
                if (b != '[')
                {
                    return Refused;
                }
                f.Phase = AFirst;
                return Taken;
            case AFirst or AComma:
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                if (f.Phase == AFirst && b == ']')
                {
                    if (n.Min > 0)
                    {
                        return Refused;
                    }
                    depth--;
                    return Taken;
                }
                if (f.A >= n.Max)
                {
                    return Refused;
                }
                f.A++;
                f.Phase = AAfter;
                f.Ws = 0;
                return Push(stack, ref depth, n.Child, b);
            default: // AAfter
                if (Whitespace(ref f, b))
                {
                    return Taken;
                }
                if (b == ',' && f.A < n.Max)
                {
                    f.Phase = AComma;
                    f.Ws = 0;
                    return Taken;
                }
                if (b == ']' && f.A >= n.Min)
                {
                    depth--;
                    return Taken;
                }
                return Refused;
        }
    }
}

// A byte-level pushdown automaton over a compiled schema: Feed(byte) says whether the byte keeps the text
// a prefix of a valid document and advances the state. The state is a stack of small Frame structs the
// caller owns, so the token-mask walk can copy it per trie level without allocating. Whitespace is only
// allowed between structural characters, at most MaxWhitespace bytes of ' ' or '\n' per gap, and never
// before or after the document; it deliberately never generates exponents, \u-escaped surrogates or NaN.
namespace QwenVL.Engine.Constraints;

/// <summary>One nesting level of the parse state.</summary>
internal struct Frame
{
    public int Node;
    public byte Phase;
    public byte Ws;     // whitespace bytes in the current gap
    public byte Aux;    // string: UTF-8 continuation bytes or hex digits left; number: integer digits
    public byte Aux2;   // string: a \uD escape started; number: fraction digits
    public int A;       // object: key candidate; array: items; string: code points; literal: candidate; number: 1 = negative
    public int B;       // object/literal: bytes matched
    public long C;      // object: last property written; string: next continuation byte range; number: integer value
    public long D;      // number: fraction value
}

/// <summary>The transition function of one compiled schema (stateless; thread-safe).</summary>
internal sealed partial class JsonAutomaton(CompiledSchema schema)
{
    /// <summary>Whitespace bytes allowed per gap: enough for ", " or ":\n"-style layouts, small enough to end.</summary>
    public const int MaxWhitespace = 2;

    /// <summary>Deepest nesting of containers inside a free value (json_object, "{}" schemas).</summary>
    public const int MaxFreeNesting = 8;

    /// <summary>Stack frames a state may need (compiled schemas are refused when deeper).</summary>
    public const int StackCapacity = 40;

    private const int Refused = 0, Taken = 1, Refeed = 2;

    private readonly SchemaNode[] _nodes = schema.Nodes;

    /// <summary>Writes the initial state (the document frame) and returns its depth.</summary>
    public static int Start(Span<Frame> stack)
    {
        stack[0] = default;
        return 1;
    }

    /// <summary>Consumes one byte; false (state unspecified) when it cannot continue a valid document.</summary>
    public bool Feed(Span<Frame> stack, ref int depth, byte b)
    {
        while (depth > 0)
        {
            int r = StepTop(stack, ref depth, b);
            if (r != Refeed)
            {
                return r == Taken;
            }
        }
        return false;
    }

    /// <summary>The document is finished and nothing may follow.</summary>
    public static bool IsComplete(ReadOnlySpan<Frame> stack, int depth) => depth == 1 && stack[0].Phase == 1;

    /// <summary>The text so far is a whole document (a trailing number or literal may still grow).</summary>
    public bool CanFinish(ReadOnlySpan<Frame> stack, int depth) =>
        IsComplete(stack, depth) || (depth == 2 && stack[0].Phase == 1 && Completable(stack[1]));

    private bool Completable(in Frame f)
    {
        SchemaNode n = _nodes[f.Node];
        return n.Kind switch
        {
            NodeKind.Number => n.Number.Complete(f.A == 1, f.Aux, f.C, f.Phase >= NDot, f.Aux2, f.D),
            NodeKind.Literal => f.B > 0 && LiteralEnds(n.Literals, f.A, f.B),
            _ => false,
        };
    }

    private int StepTop(Span<Frame> stack, ref int depth, byte b)
    {
        ref Frame f = ref stack[depth - 1];
        SchemaNode n = _nodes[f.Node];
        switch (n.Kind)
        {
            case NodeKind.Document:
                if (f.Phase != 0)
                {
                    return Refused;
                }
                f.Phase = 1;
                return Push(stack, ref depth, n.Child, b);
            case NodeKind.Object:
                return StepObject(stack, ref depth, ref f, n, b);
            case NodeKind.Map:
                return StepMap(stack, ref depth, ref f, n, b);
            case NodeKind.Array:
                return StepArray(stack, ref depth, ref f, n, b);
            case NodeKind.String:
                return StepString(ref depth, ref f, n, b);
            case NodeKind.Number:
                return StepNumber(ref depth, ref f, n, b);
            case NodeKind.Literal:
                return StepLiteral(ref depth, ref f, n, b);
            default:
                return Refused;
        }
    }

    /// <summary>Starts a value of <paramref name="node"/> with its first byte.</summary>
    private int Push(Span<Frame> stack, ref int depth, int node, byte b)
    {
        SchemaNode n = _nodes[node];
        while (n.Kind == NodeKind.Choice)
        {
            node = n.FirstByte[b];
            if (node < 0 || (n.DepthLimited && (b == '{' || b == '[') && depth > MaxFreeNesting))
            {
                return Refused;
            }
            n = _nodes[node];
        }
        if (depth >= stack.Length)
        {
            return Refused;
        }
        stack[depth++] = new Frame { Node = node };
        return StepTop(stack, ref depth, b);
    }

    private static bool Whitespace(ref Frame f, byte b)
    {
        if ((b == ' ' || b == '\n') && f.Ws < MaxWhitespace)
        {
            f.Ws++;
            return true;
        }
        return false;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}

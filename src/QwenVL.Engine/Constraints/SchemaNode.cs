// The compiled form of a JSON Schema: a flat table of nodes the automaton indexes by number, so that a
// parse state is a few integers per nesting level and copying it is cheap. It deliberately holds no
// parse state and no tokenizer data; one CompiledSchema is shared by every request that uses the schema.
namespace QwenVL.Engine.Constraints;

/// <summary>What a node accepts.</summary>
internal enum NodeKind : byte
{
    /// <summary>The whole document: one value of <see cref="SchemaNode.Child"/>, then nothing.</summary>
    Document,
    /// <summary>An object with declared properties, emitted in declaration order (optional ones may be skipped).</summary>
    Object,
    /// <summary>An object with free string keys whose values are all <see cref="SchemaNode.Child"/>.</summary>
    Map,
    /// <summary>An array of <see cref="SchemaNode.Child"/> with an item count range.</summary>
    Array,
    /// <summary>A string with a length range (in code points, an escape counting as one).</summary>
    String,
    /// <summary>An integer or decimal number in a range, with bounded digits.</summary>
    Number,
    /// <summary>One of a fixed set of compact JSON texts (enum, const, true/false, null).</summary>
    Literal,
    /// <summary>A choice among branches told apart by their first byte (anyOf, oneOf, type arrays, any value).</summary>
    Choice,
}

/// <summary>One node of a compiled schema.</summary>
internal sealed class SchemaNode
{
    public NodeKind Kind;

    /// <summary>Document: the root; Map: the value node; Array: the item node.</summary>
    public int Child = -1;

    /// <summary>Object: each property's key as JSON text with quotes, UTF-8 (e.g. <c>"name"</c>).</summary>
    public byte[][] Keys = [];

    /// <summary>Object: each property's value node.</summary>
    public int[] Values = [];

    /// <summary>Object: RequiredFrom[k] = the first required property index &gt;= k, or Keys.Length.</summary>
    public int[] RequiredFrom = [];

    /// <summary>Array: item count range; String: length range.</summary>
    public int Min;

    /// <summary>Array: item count range; String: length range (int.MaxValue = unbounded).</summary>
    public int Max = int.MaxValue;

    /// <summary>Map: the node of its keys (a plain string).</summary>
    public int KeyNode = -1;

    /// <summary>Number: digits and range.</summary>
    public NumberSpec Number = NumberSpec.Integer(null, null);

    /// <summary>Literal: the candidates' bytes.</summary>
    public byte[][] Literals = [];

    /// <summary>Choice: first byte -> branch node, or -1.</summary>
    public int[] FirstByte = [];

    /// <summary>Choice: a free value (json_object's values); its containers are refused past <see cref="JsonAutomaton.MaxFreeNesting"/>.</summary>
    public bool DepthLimited;
}

/// <summary>A schema ready for the automaton.</summary>
internal sealed class CompiledSchema(SchemaNode[] nodes)
{
    /// <summary>Node 0 is the document.</summary>
    public SchemaNode[] Nodes { get; } = nodes;
}

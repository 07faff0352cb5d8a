// Compiles a JSON Schema subset into SchemaNodes: type (one or several), properties, required,
// additionalProperties, items, enum, const, anyOf/oneOf whose branches start with different characters,
// min/maxLength, min/maxItems, minimum/maximum/exclusive*, and $ref into #/$defs or #/definitions. Every
// other keyword is collected with its JSON path and reported at once; it deliberately never guesses.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace QwenVL.Engine.Constraints;

/// <summary>JSON Schema -> compiled schema.</summary>
internal sealed partial class SchemaCompiler
{
    private static readonly HashSet<string> Annotations =
    [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions",
    ];

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<SchemaNode> _nodes = [new SchemaNode { Kind = NodeKind.Document }];
    private readonly List<string> _problems = [];
    private readonly Dictionary<string, int> _refs = [];
    private readonly HashSet<string> _resolving = [];
    private readonly JsonElement _root;
    private int _free = -1;
    private int _plainString = -1;

    private SchemaCompiler(JsonElement root) => _root = root;

    /// <summary>Compiles <paramref name="schema"/>, or null for json_object (any object).</summary>
    /// <exception cref="EngineException">field "response_format", listing every problem with its path.</exception>
    public static CompiledSchema Compile(JsonElement? schema)
    {
        var c = new SchemaCompiler(schema ?? default);
        int root;
        if (schema is null)
        {
            int free = c.Free();
            root = c.Add(new SchemaNode { Kind = NodeKind.Map, Child = free, KeyNode = c.PlainString() });
        }
        else
        {
            root = c.Node(schema.Value, "$", 0);
        }
        if (c._problems.Count > 0)
        {
            throw new EngineException("response_format: the JSON schema uses what constrained decoding does not support: "
                + string.Join("; ", c._problems), "response_format");
        }
        c._nodes[0].Child = root;
        return new CompiledSchema([.. c._nodes]);
    }

    private int Add(SchemaNode n)
    {
        _nodes.Add(n);
        return _nodes.Count - 1;
    }

    private void Problem(string path, string what) => _problems.Add($"{path} ({what})");

    private int PlainString() => _plainString >= 0 ? _plainString : _plainString = Add(new SchemaNode { Kind = NodeKind.String });

    /// <summary>Any JSON value (objects and arrays nest at most JsonAutomaton.MaxFreeNesting deep).</summary>
    private int Free()
    {
        if (_free >= 0)
        {
            return _free;
        }
        var choice = new SchemaNode { Kind = NodeKind.Choice, DepthLimited = true, FirstByte = new int[256] };
        _free = Add(choice);
        int obj = Add(new SchemaNode { Kind = NodeKind.Map, Child = _free, KeyNode = PlainString() });
        int arr = Add(new SchemaNode { Kind = NodeKind.Array, Child = _free });
        int num = Add(new SchemaNode { Kind = NodeKind.Number, Number = NumberSpec.Create(NumberSpec.DefaultFracDigits, null, false, null, false) });
        int lit = Add(new SchemaNode { Kind = NodeKind.Literal, Literals = [.. new[] { "true", "false", "null" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))] });
        Array.Fill(choice.FirstByte, -1);
        choice.FirstByte['{'] = obj;
        choice.FirstByte['['] = arr;
        choice.FirstByte['"'] = PlainString();
        choice.FirstByte['-'] = num;
        for (int d = '0'; d <= '9'; d++)
        {
            choice.FirstByte[d] = num;
        }
        choice.FirstByte['t'] = choice.FirstByte['f'] = choice.FirstByte['n'] = lit;
        return _free;
    }

    private int Node(JsonElement s, string path, int level)
    {
        if (level > JsonAutomaton.StackCapacity - JsonAutomaton.MaxFreeNesting - 4)
        {
            Problem(path, "nested too deeply");
            return Free();
        }
        if (s.ValueKind == JsonValueKind.True)
        {
            return Free();
        }
        if (s.ValueKind != JsonValueKind.Object)
        {
            Problem(path, s.ValueKind == JsonValueKind.False ? "the schema false allows nothing" : "a schema must be an object or true");
            return Free();
        }
        if (s.TryGetProperty("$ref", out JsonElement reference))
        {
            return Ref(reference, path + ".$ref", level);
        }
        bool isEnum = s.TryGetProperty("enum", out JsonElement e);
        if (isEnum || s.TryGetProperty("const", out e))
        {
            return Literal(s, e, path, isEnum);
        }
        if (s.TryGetProperty("anyOf", out JsonElement any) || s.TryGetProperty("oneOf", out any))
        {
            string keyword = s.TryGetProperty("anyOf", out _) ? "anyOf" : "oneOf";
            Unsupported(s, path, keyword);
            return any.ValueKind == JsonValueKind.Array
                ? Choice([.. any.EnumerateArray().Select((b, i) => Node(b, $"{path}.{keyword}[{i}]", level + 1))], $"{path}.{keyword}")
                : Fail(path + "." + keyword, "must be an array");
        }
        List<string> types = [];
        if (s.TryGetProperty("type", out JsonElement type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                types.Add(type.GetString()!);
            }
            else if (type.ValueKind == JsonValueKind.Array && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
            {
                types.AddRange(type.EnumerateArray().Select(t => t.GetString()!).Distinct());
            }
            else
            {
                return Fail(path + ".type", "must be a string or an array of strings");
            }
        }
        else if (s.TryGetProperty("properties", out _) || s.TryGetProperty("additionalProperties", out _) || s.TryGetProperty("required", out _))
        {
            types.Add("object");
        }
        else if (s.TryGetProperty("items", out _))
        {
            types.Add("array");
        }
        Unsupported(s, path, null);
        if (types.Count == 0)
        {
            return Free();
        }
        int[] branches = [.. types.Select(t => Typed(s, t, path, level))];
        return branches.Length == 1 ? branches[0] : Choice(branches, path + ".type");
    }

    private int Fail(string path, string what)
    {
        Problem(path, what);
        return Free();
    }

    /// <summary>Reports every keyword that is neither an annotation nor understood here.</summary>
    private void Unsupported(JsonElement s, string path, string? combinator)
    {
        foreach (JsonProperty p in s.EnumerateObject())
        {
            bool known = combinator is null
                ? p.Name is "type" or "properties" or "required" or "additionalProperties" or "items" or "minLength" or "maxLength"
                    or "minItems" or "maxItems" or "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum"
                : p.Name == combinator;
            if (!known && !Annotations.Contains(p.Name))
            {
                Problem($"{path}.{p.Name}", combinator is null ? "unsupported keyword" : $"unsupported beside {combinator}");
            }
        }
    }

    private int Ref(JsonElement reference, string path, int level)
    {
        string? target = reference.ValueKind == JsonValueKind.String ? reference.GetString() : null;
        string[] parts = target?.Split('/') ?? [];
        if (parts.Length != 3 || parts[0] != "#" || parts[1] is not ("$defs" or "definitions")
            || !_root.TryGetProperty(parts[1], out JsonElement defs) || defs.ValueKind != JsonValueKind.Object
            || !defs.TryGetProperty(parts[2], out JsonElement def))
        {
            return Fail(path, "only local references like #/$defs/Name that exist are supported");
        }
        if (_refs.TryGetValue(target!, out int done))
        {
            return done;
        }
        if (!_resolving.Add(target!))
        {
            return Fail(path, "recursive $ref");
        }
        int node = Node(def, $"$.{parts[1]}.{parts[2]}", level);
        _resolving.Remove(target!);
        _refs[target!] = node;
        return node;
    }

    private int Choice(int[] branches, string path)
    {
        var first = new int[256];
        Array.Fill(first, -1);
        for (int i = 0; i < branches.Length; i++)
        {
            SchemaNode n = _nodes[branches[i]];
            for (int b = 0; b < 256; b++)
            {
                int target = n.Kind == NodeKind.Choice ? n.FirstByte[b] : StartsWith(n, (byte)b) ? branches[i] : -1;
                if (target < 0)
                {
                    continue;
                }
                if (first[b] >= 0 && first[b] != target)
                {
                    Problem(path, $"branches must start with different characters; two can start with '{(char)b}'");
                    return Free();
                }
                first[b] = target;
            }
        }
        return Add(new SchemaNode { Kind = NodeKind.Choice, FirstByte = first });
    }

    private static bool StartsWith(SchemaNode n, byte b) => n.Kind switch
    {
        NodeKind.Object or NodeKind.Map => b == '{',
        NodeKind.Array => b == '[',
        NodeKind.String => b == '"',
        NodeKind.Number => b == '-' || (uint)(b - '0') <= 9,
        NodeKind.Literal => n.Literals.Any(l => l[0] == b),
        _ => false,
    };
}

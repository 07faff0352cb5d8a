// The request option for JSON-constrained output: any JSON object (OpenAI's json_object) or a JSON
// Schema (json_schema). Compiled schemas are cached by their compact text (property order kept: it is
// the order of generation). It deliberately does not check the model's output: the decoder makes it valid.
using System.Collections.Concurrent;
using System.Text.Json;

namespace QwenVL.Engine.Constraints;

/// <summary>What shape of JSON the reply must have.</summary>
public sealed class JsonResponseFormat
{
    /// <summary>Distinct schemas kept compiled; past this the cache starts over (a schema compiles in microseconds).</summary>
    private const int CacheLimit = 256;

    private static readonly ConcurrentDictionary<string, CompiledSchema> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<CompiledSchema> AnyObject = new(() => SchemaCompiler.Compile(null));

    private readonly JsonElement? _schema;

    private JsonResponseFormat(JsonElement? schema, string? name)
    {
        _schema = schema;
        Name = name;
        Schema = schema is JsonElement s ? SchemaCompiler.CompactText(s) : null;
    }

    /// <summary>Any JSON object (OpenAI <c>{"type": "json_object"}</c>); containers nest at most 8 deep.</summary>
    public static JsonResponseFormat JsonObject { get; } = new(null, null);

    /// <summary>The schema as compact JSON, or null for <see cref="JsonObject"/>.</summary>
    public string? Schema { get; }

    /// <summary>The schema's name (OpenAI's json_schema.name), when given.</summary>
    public string? Name { get; }

    /// <summary>A JSON Schema constraint; call <see cref="Validate"/> to learn about unsupported features.</summary>
    public static JsonResponseFormat FromSchema(JsonElement schema, string? name = null) => new(schema.Clone(), name);

    /// <summary>A JSON Schema constraint from text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="EngineException">The text is not JSON (field "response_format").</exception>
    public static JsonResponseFormat FromSchemaText(string json, string source, string? name = null)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return FromSchema(doc.RootElement, name);
        }
        catch (JsonException e)
        {
            throw new EngineException($"{source}: the JSON schema is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {e.Message}", "response_format", e);
        }
    }

    /// <summary>Compiles (or finds in the cache) the schema.</summary>
    /// <exception cref="EngineException">field "response_format": one message listing every unsupported keyword with its JSON path.</exception>
    public void Validate() => _ = Compile();

    internal CompiledSchema Compile()
    {
        if (_schema is not JsonElement schema)
        {
            return AnyObject.Value;
        }
        if (Cache.TryGetValue(Schema!, out CompiledSchema? hit))
        {
            return hit;
        }
        CompiledSchema compiled = SchemaCompiler.Compile(schema);
        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }
        Cache[Schema!] = compiled;
        return compiled;
    }

    /// <inheritdoc/>
    public override string ToString() => Schema is null ? "json_object" : $"json_schema {Name} {Schema}";
}

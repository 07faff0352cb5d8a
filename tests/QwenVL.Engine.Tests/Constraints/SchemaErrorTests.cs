// Unsupported or unsatisfiable schemas: one EngineException with field "response_format" whose
// message lists every offending keyword with its JSON path, so a user fixes them all in one go.
using QwenVL.Engine.Constraints;
using QwenVL.Engine.Generation;

namespace QwenVL.Engine.Tests.Constraints;

public class SchemaErrorTests
{
    private static EngineException Error(string schema) =>
        Assert.Throws<EngineException>(() => JsonResponseFormat.FromSchemaText(schema, "test").Validate());

    [Fact]
    public void Validate_UnsupportedKeywords_ListsEveryPath()
    {
        EngineException e = Error("""{"type":"object","properties":{"date":{"type":"string","format":"date"},"code":{"type":"string","pattern":"^[A-Z]+$"},"tags":{"type":"array","uniqueItems":true}}}""");
        Assert.Equal("response_format", e.Field);
        Assert.Contains("$.properties.date.format", e.Message);
        Assert.Contains("$.properties.code.pattern", e.Message);
        Assert.Contains("$.properties.tags.uniqueItems", e.Message);
    }

    [Theory]
    [InlineData("""{"type":"string","minLength":5,"maxLength":2}""", "$.minLength")]
    [InlineData("""{"type":"integer","minimum":10,"maximum":2}""", "$ (no integer")]
    [InlineData("""{"type":"integer","minimum":1e20}""", "$ (no integer")]
    [InlineData("""{"type":"object","properties":{"a":{}},"required":["b"]}""", "'b' is not in properties")]
    [InlineData("""{"anyOf":[{"type":"string"},{"enum":["x"]}]}""", "$.anyOf (branches must start with different characters")]
    [InlineData("""{"$ref":"#/$defs/N","$defs":{"N":{"type":"array","items":{"$ref":"#/$defs/N"}}}}""", "recursive $ref")]
    [InlineData("""{"type":"date"}""", "unknown type 'date'")]
    [InlineData("""{"enum":[]}""", "$.enum")]
    [InlineData("""{"type":"array","items":[{"type":"string"}]}""", "$.items (tuple items")]
    [InlineData("""false""", "allows nothing")]
    public void Validate_UnsatisfiableOrUnsupported_NamesThePath(string schema, string expected) =>
        Assert.Contains(expected, Error(schema).Message);

    [Fact]
    public void FromSchemaText_NotJson_NamesTheSourceAndField()
    {
        EngineException e = Assert.Throws<EngineException>(() => JsonResponseFormat.FromSchemaText("{\"type\":", "schema.json"));
        Assert.Equal("response_format", e.Field);
        Assert.StartsWith("schema.json:", e.Message);
    }

    [Fact]
    public void GenerationOptionsValidate_UnsupportedSchema_ThrowsForResponseFormat()
    {
        var options = new GenerationOptions { ResponseFormat = JsonResponseFormat.FromSchemaText("""{"type":"string","pattern":"a+"}""", "test") };
        Assert.Equal("response_format", Assert.Throws<EngineException>(options.Validate).Field);
    }

    [Fact]
    public void Validate_AnnotationsAndStrictShapes_Compile()
    {
        JsonResponseFormat.FromSchemaText("""{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"T","description":"d","type":"object","properties":{"a":{"type":["string","null"],"description":"x","default":null}},"required":["a"],"additionalProperties":false}""", "t").Validate();
    }
}

// Accept/reject tables for the byte-level JSON automaton, keyword by keyword: required and optional
// properties in order, additionalProperties, arrays with item bounds, strings with escapes, \u, Chinese
// and lengths, integer and decimal ranges digit by digit, enum/const, anyOf, $ref and free json_object.
// Texts are whole candidate outputs: "accept" means a document the decoder could emit and end.
using QwenVL.Engine.Constraints;

namespace QwenVL.Engine.Tests.Constraints;

public class JsonMatcherTests
{
    private static JsonResponseFormat Schema(string json) => JsonResponseFormat.FromSchemaText(json, "test");

    private static void Check(string schema, string text, bool expected) =>
        Assert.True(JsonMatcher.Accepts(schema == "json_object" ? JsonResponseFormat.JsonObject : Schema(schema), text) == expected,
            $"{(expected ? "should accept" : "should reject")} {text} under {schema}");

    private const string Person = """{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"nick":{"type":"string"}},"required":["name","age"],"additionalProperties":false}""";

    [Theory]
    [InlineData("""{"name":"Ann","age":3}""", true)]
    [InlineData("""{"name":"Ann","age":3,"nick":"A"}""", true)]
    [InlineData("{ \"name\": \"Ann\",\n\"age\": 3 }", true)]
    [InlineData("""{"name":"Ann"}""", false)]                  // age is required
    [InlineData("""{"age":3,"name":"Ann"}""", false)]          // properties come in schema order
    [InlineData("""{"name":"Ann","age":3,"x":1}""", false)]    // additionalProperties false
    [InlineData("""{"name":"Ann","age":"3"}""", false)]
    [InlineData("""{"name":"Ann","age":3}   """, false)]       // nothing after the document
    [InlineData("""{"name":   "Ann","age":3}""", false)]       // whitespace runs are at most 2 bytes
    [InlineData(""" {"name":"Ann","age":3}""", false)]         // no whitespace before the document
    [InlineData("""{"name":"Ann","age":3,}""", false)]
    public void Accepts_ObjectWithRequiredProperties(string text, bool expected) => Check(Person, text, expected);

    [Theory]
    [InlineData("""{"a":1}""", true)]
    [InlineData("""{}""", true)]
    [InlineData("""{"a":{"b":[1,2.5,-3,"x",true,false,null,{}]}}""", true)]
    [InlineData("""{"a":1e5}""", false)]                        // never generated: exponents
    [InlineData("""[1]""", false)]                              // json_object means an object
    [InlineData("""{"a":01}""", false)]
    [InlineData("""{"a":[[[[[[[[[1]]]]]]]]]}""", false)]        // free values nest at most 8 containers
    [InlineData("""{"a":[[[[[[[1]]]]]]]}""", true)]
    public void Accepts_JsonObject(string text, bool expected) => Check("json_object", text, expected);

    [Theory]
    [InlineData("""["a","b"]""", true)]
    [InlineData("""[]""", false)]                               // minItems 1
    [InlineData("""["a","b","c"]""", true)]
    [InlineData("""["a","b","c","d"]""", false)]                // maxItems 3
    [InlineData("""[ "a" , "b" ]""", true)]
    public void Accepts_ArrayItemBounds(string text, bool expected) =>
        Check("""{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3}""", text, expected);

    [Theory]
    [InlineData("\"ab\"", true)]
    [InlineData("\"a\\\"b\"", true)]                            // \" escape
    [InlineData("\"a\\\\\"", true)]                             // \\ escape
    [InlineData("\"\\u00e9x\"", true)]
    [InlineData("\"\\u00g9\"", false)]
    [InlineData("\"\\ud83d\"", false)]                          // escaped surrogates are never generated
    [InlineData("\"\\x\"", false)]
    [InlineData("\"中文\"", true)]                               // 2 code points (6 bytes)
    [InlineData("\"中文字\"", true)]
    [InlineData("\"中文字符\"", false)]                          // maxLength 3 code points
    [InlineData("\"a\"", false)]                                 // minLength 2
    [InlineData("\"a\nb\"", false)]                              // raw control characters are not JSON
    public void Accepts_StringLengthsAndEscapes(string text, bool expected) =>
        Check("""{"type":"string","minLength":2,"maxLength":3}""", text, expected);

    [Fact]
    public void Feed_PartialUtf8_WaitsForContinuationAndRefusesBadOnes()
    {
        var m = new JsonMatcher(Schema("""{"type":"string"}"""));
        byte[] zhong = "中"u8.ToArray(); // E4 B8 AD
        Assert.True(m.Feed([(byte)'"', zhong[0]]));
        Assert.False(m.CanFinish);
        Assert.True(m.Feed([zhong[1], zhong[2], (byte)'"']));
        Assert.True(m.IsComplete);
        var bad = new JsonMatcher(Schema("""{"type":"string"}"""));
        Assert.False(bad.Feed([(byte)'"', 0xE4, (byte)'a']));                 // continuation byte expected
        Assert.False(new JsonMatcher(Schema("""{"type":"string"}""")).Feed([(byte)'"', 0xC0, 0x80])); // overlong
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-5", true)]
    [InlineData("-6", false)]
    [InlineData("120", true)]
    [InlineData("121", false)]
    [InlineData("12", true)]
    [InlineData("007", false)]
    [InlineData("1.5", false)]                                   // integers have no fraction
    [InlineData("-0", true)]
    public void Accepts_IntegerRange(string text, bool expected) =>
        Check("""{"type":"integer","minimum":-5,"maximum":120}""", text, expected);

    [Fact]
    public void Feed_IntegerRange_RefusesDigitsThatCannotEndInRange()
    {
        // In [100, 250]: "3" can only grow to 3, 30-39, 300+ which are all out of range.
        var m = new JsonMatcher(Schema("""{"type":"integer","minimum":100,"maximum":250}"""));
        Assert.False(m.Feed("3"));
        var ok = new JsonMatcher(Schema("""{"type":"integer","minimum":100,"maximum":250}"""));
        Assert.True(ok.Feed("2"));
        Assert.False(ok.CanFinish);                              // 2 is below 100
        Assert.True(ok.Feed("5"));
        Assert.False(ok.Feed("1"));                              // 251
    }

    [Theory]
    [InlineData("0.5", true)]
    [InlineData("1", true)]
    [InlineData("1.0000001", false)]                             // 6 fraction digits at most
    [InlineData("1.000001", false)]                              // above the maximum 1
    [InlineData("0", false)]                                     // exclusiveMinimum 0
    [InlineData("0.000001", true)]
    [InlineData("-0.1", false)]
    [InlineData("1.", false)]
    public void Accepts_NumberRange(string text, bool expected) =>
        Check("""{"type":"number","exclusiveMinimum":0,"maximum":1}""", text, expected);

    [Theory]
    [InlineData("\"red\"", true)]
    [InlineData("\"green\"", true)]
    [InlineData("\"gre\"", false)]
    [InlineData("1", true)]
    [InlineData("12", true)]
    [InlineData("123", false)]
    [InlineData("null", true)]
    [InlineData("\"紅\"", true)]
    public void Accepts_Enum(string text, bool expected) =>
        Check("""{"enum":["red","green",1,12,null,"紅"]}""", text, expected);

    [Theory]
    [InlineData("""{"v":"x"}""", true)]
    [InlineData("""{"v":null}""", true)]
    [InlineData("""{"v":7}""", true)]
    [InlineData("""{"v":true}""", false)]
    public void Accepts_AnyOfAndRef(string text, bool expected) =>
        Check("""{"type":"object","properties":{"v":{"$ref":"#/$defs/V"}},"required":["v"],"$defs":{"V":{"anyOf":[{"type":"string"},{"type":["integer","null"]}]}}}""", text, expected);

    [Fact]
    public void Feed_Const_AcceptsOnlyTheValue()
    {
        Check("""{"const":{"k":[1,"两"]}}""", """{"k":[1,"两"]}""", true);
        Check("""{"const":{"k":[1,"两"]}}""", """{"k":[1, "两"]}""", false);
    }

    [Fact]
    public void CanFinish_RootNumber_TrueOnlyWhenComplete()
    {
        var m = new JsonMatcher(Schema("""{"type":"number"}"""));
        Assert.True(m.Feed("-"));
        Assert.False(m.CanFinish);
        Assert.True(m.Feed("3."));
        Assert.False(m.CanFinish);
        Assert.True(m.Feed("25"));
        Assert.True(m.CanFinish);
        Assert.False(m.IsComplete);                              // more digits could follow
    }
}

// Bad or unsupported tokenizer.json input must fail with a TokenizerException naming the file and the
// JSON path of the problem, never with a bare KeyNotFound/InvalidOperation or silently wrong ids.
// It deliberately uses small edited copies of the mini tokenizer, not the 7 MB fixture.
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public class MalformedTokenizerJsonTests
{
    private const string Source = "bad-tokenizer.json";

    private static string MiniModel(string merges, string vocabExtra = "") =>
        $$"""{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2{{vocabExtra}}}, "merges": {{merges}}}""";

    private static TokenizerException Fails(string json) =>
        Assert.Throws<TokenizerException>(() => Qwen2Tokenizer.FromJson(json, Source));

    [Fact]
    public void FromJson_MissingModel_NamesModelPath()
    {
        string json = """{"added_tokens": [], "pre_tokenizer": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"}}""";
        TokenizerException e = Fails(json);
        Assert.Equal("$.model", e.JsonPath);
        Assert.Equal(Source, e.File);
        Assert.Contains("missing 'model'", e.Message);
        Assert.Contains(Source, e.Message);
    }

    [Theory]
    [InlineData("[\"a b\", \"a\"]", "$.model.merges[1]", "merge must be")]           // no separator
    [InlineData("[\"a b c\"]", "$.model.merges[0]", "merge must be")]                // too many parts
    [InlineData("[[\"a\", \"b\"], [\"a\"]]", "$.model.merges[1]", "merge must be")]  // pair of one
    [InlineData("[42]", "$.model.merges[0]", "merge must be")]
    [InlineData("[\"a c\"]", "$.model.merges[0]", "'c' is not in model.vocab")]
    [InlineData("[\"b a\"]", "$.model.merges[0]", "'ba' is not in model.vocab")]     // merged token missing
    [InlineData("{\"a\": 1}", "$.model.merges", "expected array")]
    public void FromJson_BadMergesEntry_NamesEntry(string merges, string path, string message)
    {
        TokenizerException e = Fails(TestTokenizers.MiniJson(MiniModel(merges)));
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FromJson_NegativeVocabId_NamesToken()
    {
        TokenizerException e = Fails(TestTokenizers.MiniJson(MiniModel("[]", ", \"c\": -1")));
        Assert.Equal("$.model.vocab[\"c\"]", e.JsonPath);
    }

    [Theory]
    [InlineData("{\"type\": \"WordPiece\", \"vocab\": {}}", "$.model.type")]
    [InlineData("{\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {}, \"merges\": []}", "$.model.dropout")]
    [InlineData("{\"type\": \"BPE\", \"merges\": []}", "$.model.vocab")]
    public void FromJson_UnsupportedModel_NamesField(string model, string path)
    {
        Assert.Equal(path, Fails(TestTokenizers.MiniJson(model)).JsonPath);
    }

    [Fact]
    public void FromJson_UnsupportedNormalizer_NamesNormalizer()
    {
        TokenizerException e = Fails(TestTokenizers.MiniJson(normalizer: "{\"type\": \"Lowercase\"}"));
        Assert.Equal("$.normalizer", e.JsonPath);
        Assert.Contains("Lowercase", e.Message);
    }

    [Fact]
    public void FromJson_AddedTokenWithoutContent_NamesEntry()
    {
        string json = TestTokenizers.MiniJson().Replace("\"content\": \"<s>\", ", "");
        Assert.Equal("$.added_tokens[1].content", Fails(json).JsonPath);
    }

    [Fact]
    public void FromJson_TruncatedJson_ReportsInvalidJson()
    {
        string json = TestTokenizers.MiniJson();
        TokenizerException e = Fails(json[..(json.Length / 2)]);
        Assert.Contains("invalid JSON", e.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsTokenizerExceptionWithPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"qwenvl-missing-{Guid.NewGuid():N}", "tokenizer.json");
        TokenizerException e = Assert.Throws<TokenizerException>(() => Qwen2Tokenizer.Load(path));
        Assert.Equal(path, e.File);
    }

    [Fact]
    public void FromJson_MiniTokenizer_LoadsWhenWellFormed()
    {
        Assert.Equal(267, Qwen2Tokenizer.FromJson(TestTokenizers.MiniJson(), Source).VocabSize);
    }
}

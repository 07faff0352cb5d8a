// Python list literals as VLMEvalKit writes them into TSV answer/image cells.
using QwenVL.Eval.Data;

namespace QwenVL.Eval.Tests.Data;

public class PythonLiteralTests
{
    [Fact]
    public void ParseList_MixedQuotesAndEscapes_ReturnsItems()
    {
        var items = PythonLiteral.ParseList("['a', \"b's\", 'it\\'s', '\\\\x', 3, 2.5, ]");
        Assert.Equal(["a", "b's", "it's", "\\x", "3", "2.5"], items);
    }

    [Fact]
    public void ParseList_Empty_ReturnsEmpty() => Assert.Empty(PythonLiteral.ParseList("  [ ] "));

    [Theory]
    [InlineData("['a'")]
    [InlineData("['a' 'b']")]
    [InlineData("[foo]")]
    [InlineData("['a'] x")]
    [InlineData("'a'")]
    public void ParseList_Malformed_ThrowsFormatException(string text) =>
        Assert.Throws<FormatException>(() => PythonLiteral.ParseList(text));
}

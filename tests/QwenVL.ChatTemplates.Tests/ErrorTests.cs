// Error reporting: syntax errors carry the source name, line, column and what was expected; runtime
// errors name the filter/test/variable and the line; raise_exception() surfaces the template's message.
namespace QwenVL.ChatTemplates.Tests;

public class ErrorTests
{
    private static TemplateException ParseError(string template, string name = "chat_template") =>
        Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template, name));

    private static TemplateException RenderError(string template, string messages = "[]") =>
        Assert.Throws<TemplateException>(() => TestData.Render(template, messages));

    [Fact]
    public void Parse_UnclosedIf_ReportsEndOfTemplateAndExpectedTags()
    {
        var e = ParseError("{% for m in messages %}\n  {% if m %}x\n{% endfor %}");
        Assert.Equal((3, 4), (e.Line, e.Column));
        Assert.Contains("'{% endif %}'", e.Message);
        Assert.Contains("innermost open block is 'if'", e.Message);
    }

    [Fact]
    public void Parse_MissingEndfor_NamesOpeningLine()
    {
        var e = ParseError("a\n{% for x in y %}b");
        Assert.Equal(2, e.Line);
        Assert.Contains("'{% endfor %}' or '{% else %}'", e.Message);
        Assert.Contains("opened at line 2, column 1", e.Message);
    }

    [Fact]
    public void Parse_UnknownTag_GivesLineAndColumnOfTagName()
    {
        var e = ParseError("line1\n  {% frobnicate %}", "my_template.jinja");
        Assert.Equal(("my_template.jinja", 2, 6), (e.SourceName, e.Line, e.Column));
        Assert.StartsWith("my_template.jinja:2:6: ", e.Message);
        Assert.Contains("unknown tag 'frobnicate'", e.Message);
    }

    [Theory]
    [InlineData("{{ 1 + }}", 1, 8, "expected an expression, got end of print statement")]
    [InlineData("{{ x ", 1, 1, "never closed (expected '}}')")]
    [InlineData("ok\n{{ 'abc }}", 2, 4, "unterminated string literal")]
    [InlineData("{{ (1, 2 }}", 1, 10, "unexpected '}', expected ')'")]
    [InlineData("{% for in xs %}{% endfor %}", 1, 11, "expected 'in'")]
    [InlineData("{% set x = 1 %}{% endif %}", 1, 19, "unknown tag 'endif'")]
    [InlineData("{% break %}", 1, 4, "outside of a for loop")]
    [InlineData("{# never closed", 1, 1, "Missing end of comment tag")]
    [InlineData("{{ a b }}", 1, 6, "expected end of print statement ('}}'), got 'b'")]
    [InlineData("{{ x @ y }}", 1, 6, "unexpected char '@'")]
    public void Parse_Malformed_ReportsPositionAndExpectation(string template, int line, int column, string fragment)
    {
        var e = ParseError(template);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Render_UnknownFilter_NamesFilterAndLine()
    {
        var e = RenderError("ok\n{{ 'a' | frobnicate }}");
        Assert.Equal(2, e.Line);
        Assert.Contains("No filter named 'frobnicate'", e.Message);
    }

    [Fact]
    public void Render_UnknownTest_NamesTest()
    {
        Assert.Contains("No test named 'shiny'", RenderError("{{ 1 is shiny }}").Message);
    }

    [Fact]
    public void Render_RaiseException_ThrowsWithTemplateMessage()
    {
        var e = RenderError(
            "{% for m in messages %}\n{% if m.role == 'tool' %}{{ raise_exception('Tools are not supported: ' ~ m.role) }}{% endif %}{% endfor %}",
            """[{"role":"user","content":"a"},{"role":"tool","content":"b"}]""");
        Assert.Equal("Tools are not supported: tool", e.Message);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Render_ArithmeticOnUndefined_NamesVariable()
    {
        var e = RenderError("{{ '\\n' + message.content }}");
        Assert.Contains("'message' is undefined", e.Message);
    }

    [Fact]
    public void Render_MutatingMethod_IsRefusedLikeHfSandbox()
    {
        Assert.Contains("unsafe", RenderError("{% set xs = [] %}{{ xs.append(1) }}").Message);
    }

    [Fact]
    public void Render_TypeMismatch_ReportsPythonStyleMessage()
    {
        var e = RenderError("{{ 'a' + 1 }}");
        Assert.Contains("unsupported operand type(s) for +: 'str' and 'int'", e.Message);
        Assert.Equal((1, 8), (e.Line, e.Column));
    }

    [Fact]
    public void Render_SetAttributeOnNonNamespace_Fails()
    {
        Assert.Contains("not a namespace()", RenderError("{% set d = {} %}{% set d.x = 1 %}").Message);
    }
}

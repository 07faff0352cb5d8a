// Expression semantics against jinja2: arithmetic, comparisons, literals, subscripts/slices, Python str and
// dict methods, globals and `is` tests. Each expected string was rendered by jinja2 3.1.6 with HF's settings;
// variables: d={"a": 1, "b": [1, 2]}, s="héllo wörld", n=None, f=2.5.
namespace QwenVL.ChatTemplates.Tests;

public class ExpressionTests
{
    internal const string Variables = """{"d": {"a": 1, "b": [1, 2]}, "s": "héllo wörld", "n": null, "f": 2.5}""";

    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}", "7|9|3|-4|1|2|3.5|1024|0.5")]
    [InlineData("{{ 1.0 }}|{{ 3 * 1.5 }}|{{ 0.1 + 0.2 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 0.00001 }}|{{ 0.0001 }}|{{ f * 2 }}", "1.0|4.5|0.30000000000000004|1e+16|1000000000000000.0|1e-05|0.0001|5.0")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ true ~ undefined_name }}|{{ 'ab' + 'cd' }}|{{ 'ab' * 2 }}|{{ [1] + [2] }}", "a1NoneTrue|abcd|abab|[1, 2]")]
    [InlineData("{{ 1 == 1.0 }}|{{ true == 1 }}|{{ 'a' != 'b' }}|{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ [1, 2] < [1, 3] }}|{{ 'B' < 'a' }}", "True|True|True|True|False|True|True")]
    [InlineData("{{ 'b' in 'abc' }}|{{ 2 in [1, 2] }}|{{ 'a' in d }}|{{ 'z' not in d }}|{{ 'x' in n_undefined }}", "True|True|True|True|False")]
    [InlineData("{{ not 0 }}|{{ 0 or 'x' }}|{{ 'y' and 0 }}|{{ none or [] }}|{{ '' and boom }}|{{ 'ok' if d else 'no' }}|{{ 'a' if false }}|", "True|x|0|[]||ok||")]
    [InlineData("{{ d['a'] }}|{{ d.a }}|{{ d.b[1] }}|{{ d.b.0 }}|{{ d['zz'] }}|{{ d.b[9] }}|{{ d['items'] is defined }}|{{ s[1] }}|{{ s[-1] }}", "1|1|2|1|||True|é|d")]
    [InlineData("{{ s[1:4] }}|{{ s[::-1] }}|{{ d.b[::-1] }}|{{ [1, 2, 3, 4, 5][1:4:2] }}|{{ [1, 2, 3][-2:] }}|{{ [1, 2, 3][:-1] }}|{{ 'x'[5:] }}", "éll|dlröw olléh|[2, 1]|[2, 4]|[2, 3]|[1, 2]|")]
    [InlineData("{{ none }}|{{ true }}|{{ [1, 'a', none, true, 1.5] }}|{{ {'k': 'v', 'n': [1]} }}|{{ (1, 2) }}|{{ (1,) }}|{{ \"it's\" }}|{{ [\"it's\", 'a\"b'] }}", "None|True|[1, 'a', None, True, 1.5]|{'k': 'v', 'n': [1]}|(1, 2)|(1,)|it's|[\"it's\", 'a\"b']")]
    [InlineData("{{ \"tab\\there\" }}|{{ 'caf\\u00e9' }}|{{ '\\x41\\101' }}|{{ 'no\\qescape' }}|{{ 'a' 'b' }}|{{ 1_000 }}|{{ 0x1f }}|{{ 0b101 }}|{{ 0o17 }}", "tab\there|café|AA|no\\qescape|ab|1000|31|5|15")]
    [InlineData("{{ s.upper() }}|{{ s.title() }}|{{ '  x  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a'.lstrip() }}|{{ 'a '.rstrip() }}|{{ 'aBc'.lower() }}", "HÉLLO WÖRLD|Héllo Wörld|x|a|a|a|abc")]
    [InlineData("{{ 'a,b,,c'.split(',') }}|{{ '  a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ 'l1\\nl2\\r\\nl3'.splitlines() }}", "['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']|['l1', 'l2', 'l3']")]
    [InlineData("{{ s.startswith('hé') }}|{{ s.endswith(('x', 'rld')) }}|{{ 'a-b-c'.replace('-', '+') }}|{{ 'abcabc'.find('c') }}|{{ 'abcabc'.count('bc') }}|{{ ', '.join(['x', 'y']) }}", "True|True|a+b+c|2|2|x, y")]
    [InlineData("{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d.get('zz') }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.items() | list }}|{{ 'Hi {}, {name}!'.format('you', name='me') }}", "1|dflt|None|['a', 'b']|[1, [1, 2]]|[('a', 1), ('b', [1, 2])]|Hi you, me!")]
    [InlineData("{{ range(3) | list }}|{{ range(1, 10, 3) | list }}|{{ range(5, 0, -2) | list }}|{{ dict(a=1, b=2) }}|{{ namespace(x=1).x }}", "[0, 1, 2]|[1, 4, 7]|[5, 3, 1]|{'a': 1, 'b': 2}|1")]
    [InlineData("{{ x is defined }}|{{ d is defined }}|{{ d is mapping }}|{{ d.b is sequence }}|{{ s is string }}|{{ n is none }}|{{ 1 is number }}|{{ true is number }}|{{ true is integer }}|{{ f is float }}", "False|True|True|True|True|True|True|True|False|True")]
    [InlineData("{{ s is iterable }}|{{ 3 is odd }}|{{ 4 is even }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(4) }}|{{ 'ab' is lower }}|{{ x is undefined }}|{{ d is not mapping }}|{{ true is boolean }}|{{ 2 is eq 2 }}", "True|True|True|True|False|True|True|False|True|True")]
    public void Render_Expression_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, TestData.Render(template, """[{"role":"user","content":"hi"}]""", false, Variables));
    }

    [Fact]
    public void Render_NoneAndUndefinedAttributes_RenderEmpty()
    {
        // jinja2 gives Undefined for attributes of None; for attributes of an Undefined this engine also
        // gives Undefined (jinja2 raises), so `x.y is defined` is simply false.
        Assert.Equal("||False", TestData.Render("{{ n.x }}|{{ missing.attr }}|{{ missing.attr.deeper is defined }}", "[]", false, Variables));
    }

    [Fact]
    public void Render_ToolsAndDocumentsAbsent_AreNoneLikeHuggingFace()
    {
        Assert.Equal("True|True|False", TestData.Render("{{ tools is none }}|{{ documents is defined }}|{{ bos_token is defined }}"));
    }

    [Fact]
    public void Render_AddGenerationPrompt_IsBoolean()
    {
        Assert.Equal("True", TestData.Render("{{ add_generation_prompt }}", "[]", true));
        Assert.Equal("False", TestData.Render("{{ add_generation_prompt }}", "[]", false));
    }

    [Fact]
    public void Render_JsonNumbers_KeepIntAndFloatKinds()
    {
        // Python's json.loads: 2 is int, 2.0 and 1e3 are floats (repr 2.0, 1000.0).
        Assert.Equal("2|2.0|1000.0|-0.5|9007199254740993", TestData.Render(
            "{{ v[0] }}|{{ v[1] }}|{{ v[2] }}|{{ v[3] }}|{{ v[4] }}", "[]", false, """{"v": [2, 2.0, 1e3, -0.5, 9007199254740993]}"""));
    }
}

// Statement semantics against jinja2 with HF's trim_blocks/lstrip_blocks: set and namespace scoping, loops
// (loop.*, filter, else, break/continue), macros, set/filter/with blocks, raw, comments and whitespace
// control. Each expected string was rendered by jinja2 3.1.6 with HF's settings.
namespace QwenVL.ChatTemplates.Tests;

public class StatementTests
{
    [Theory]
    [InlineData("{% set x = 1 %}{% set x = x + 1 %}{{ x }}", "2")]
    [InlineData("{% set x = 0 %}{% for i in range(3) %}{{ x }}{% set x = x + 1 %}{{ x }}|{% endfor %}{{ x }}", "01|01|01|0")]
    [InlineData("{% set ns = namespace(total=0) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", "6")]
    [InlineData("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "02")]
    [InlineData("{% for i in [] %}x{% else %}empty{% endfor %}|{% for i in [1, 2, 3, 4] if i is even %}{{ loop.index }}/{{ loop.length }}={{ i }} {% endfor %}", "empty|1/2=2 2/2=4 ")]
    [InlineData("{% for c in 'abc' %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.previtem is defined }}{{ loop.nextitem }}{{ loop.cycle('x', 'y') }};{% endfor %}", "03TrueFalseFalsebx;12FalseFalseTruecy;21FalseTrueTruex;")]
    [InlineData("{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{{ a }}{{ b }},{% endfor %}{{ loop.index }};{% endfor %}", "113,214,1;123,224,2;")]
    [InlineData("{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% set a, b = 1, 2 %}{{ a }}{{ b }}", "x=1;y=2;12")]
    [InlineData("{% if false %}a{% elif 0 %}b{% elif 'x' %}c{% else %}d{% endif %}", "c")]
    [InlineData("{% macro tag(name, body='') %}<{{ name }}>{{ body }}</{{ name }}>{% endmacro %}{{ tag('b', 'bold') }}{{ tag(name='i') }}{{ tag('p') | upper }}", "<b>bold</b><i></i><P></P>")]
    [InlineData("{% macro f() %}{{ late }}{% endmacro %}{% set late = 'L' %}{{ f() }}", "L")]
    [InlineData("{% set block %}  captured {{ 1 + 1 }}  {% endset %}[{{ block }}]{% set t | trim | upper %}  z  {% endset %}[{{ t }}]", "[  captured 2  ][Z]")]
    [InlineData("{% filter upper %}abc{{ 'd' }}{% endfilter %}|{% with q = 5 %}{{ q }}{% endwith %}{{ q }}", "ABCD|5")]
    [InlineData("{% raw %}{{ not rendered }}{% if %}{% endraw %}", "{{ not rendered }}{% if %}")]
    [InlineData("A{# a comment #}B{#- trimmed -#}  C", "ABC")]
    [InlineData("{{ 'a' -}}   \n   {{- 'b' }}  {{ 'c' }}", "ab  c")]
    [InlineData("  {% if true %}\n  yes\n  {% endif %}\n  {{ 'v' }}\n  {# c #}\nend\n", "  yes\n  v\nend")]
    [InlineData("{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n", "  1\n  2\n")]
    [InlineData("{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}", "12")]
    [InlineData("a  {%+ if true %}x{% endif +%}\nb", "a  x\nb")]
    [InlineData("{%- raw -%}\n  {{ x }}\n{%- endraw %}|", "{{ x }}|")]
    [InlineData("line1\r\nline2\r\n{% if true %}\r\nline3\r\n{% endif %}\r\n", "line1\nline2\nline3\n")]
    [InlineData("{{ {'a': {'b': 1}} }}|{{ {'a': {'b': 1}}['a']['b'] }}", "{'a': {'b': 1}}|1")]
    public void Render_Statement_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, TestData.Render(template));
    }

    [Fact]
    public void Render_GenerationBlock_RendersBodyInPlace()
    {
        // HF registers {% generation %} to mark assistant tokens; it renders its body unchanged.
        Assert.Equal("<a>hi</a>", TestData.Render("<a>{% generation %}{{ messages[0].content }}{% endgeneration %}</a>", """[{"role":"assistant","content":"hi"}]"""));
    }

    [Fact]
    public void Render_MacroRecursion_IsBoundedWithClearError()
    {
        var e = Assert.Throws<TemplateException>(() => TestData.Render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"));
        Assert.Contains("recursion", e.Message);
    }
}

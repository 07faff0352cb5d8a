// Filter semantics against jinja2 (plus HF's tojson override = json.dumps(ensure_ascii=False)).
// Each expected string was rendered by jinja2 3.1.6 with the variables of ExpressionTests.
namespace QwenVL.ChatTemplates.Tests;

public class FilterTests
{
    [Theory]
    [InlineData("{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ s | length }}|{{ d | length }}|{{ undefined_name | length }}|{{ s | upper }}|{{ 'ABC' | lower }}|{{ 'hELLO wORLD' | capitalize }}|{{ 'hello-world foo' | title }}", "x|hi|11|2|0|HÉLLO WÖRLD|abc|Hello world|Hello-World Foo")]
    [InlineData("{{ undefined_name | default('dflt') }}|{{ '' | default('empty', true) }}|{{ none | default('n') }}|{{ 0 | d(5, boolean=true) }}", "dflt|empty|None|5")]
    [InlineData("{{ [1, 2, 3] | join(', ') }}|{{ [{'n': 'a'}, {'n': 'b'}] | join('-', attribute='n') }}|{{ [1, 2] | first }}|{{ [1, 2] | last }}|{{ 'ab' | list }}|{{ d | list }}|{{ d | items | list }}", "1, 2, 3|a-b|1|2|['a', 'b']|['a', 'b']|[('a', 1), ('b', [1, 2])]")]
    [InlineData("{{ '42' | int + 1 }}|{{ '4.5' | int }}|{{ 'x' | int(7) }}|{{ 3.9 | int }}|{{ '3.5' | float }}|{{ 'x' | float }}|{{ 1 | string }}|{{ none | string }}|{{ true | string }}", "43|4|7|3|3.5|0.0|1|None|True")]
    [InlineData("{{ 'aaa' | replace('a', 'b', 2) }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ 2.1 | round(0, 'ceil') }}|{{ 2.9 | round(0, 'floor') }}", "bba|3|2.57|2.0|3.0|2.0")]
    [InlineData("{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ ['b', 'A', 'c'] | sort }}|{{ [{'n': 'b'}, {'n': 'a'}] | sort(attribute='n') | map(attribute='n') | list }}", "[1, 2, 3]|[3, 2, 1]|['A', 'b', 'c']|['a', 'b']")]
    [InlineData("{{ [1, 2, 2, 3, 1] | unique | list }}|{{ [3, 1, 2] | max }}|{{ [3, 1, 2] | min }}|{{ [3, 1, 2] | sum }}|{{ [1, 2, 3] | reverse | list }}|{{ 'abc' | reverse }}", "[1, 2, 3]|3|1|6|[3, 2, 1]|cba")]
    [InlineData("{{ ['a', 'b'] | map('upper') | list }}|{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, 2, 3, 4] | reject('odd') | list }}|{{ [0, 1, '', 'x'] | select | list }}", "['A', 'B']|[1, 3]|[2, 4]|[1, 'x']")]
    [InlineData("{{ [{'r': 'u'}, {'r': 'a'}, {'r': 'u'}] | selectattr('r', 'equalto', 'u') | list | length }}|{{ [{'r': 'u'}, {'r': 'a'}] | rejectattr('r', '==', 'u') | map(attribute='r') | join }}|{{ [{'x': 1}, {}] | map(attribute='x', default=0) | list }}", "2|a|[1, 0]")]
    [InlineData("{{ {'a': [1, 2.5, none, true, 'é\\n']} | tojson }}|{{ 'é' | tojson(ensure_ascii=true) }}|{{ '\"\\\\\\x01' | tojson }}|{{ [1, 2] | tojson(separators=[',', ':']) }}|{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", "{\"a\": [1, 2.5, null, true, \"é\\n\"]}|\"\\u00e9\"|\"\\\"\\\\\\u0001\"|[1,2]|{\"a\": 2, \"b\": 1}")]
    [InlineData("{{ {'b': {'c': [1, {}]}, 'a': []} | tojson(indent=2) }}", "{\n  \"b\": {\n    \"c\": [\n      1,\n      {}\n    ]\n  },\n  \"a\": []\n}")]
    [InlineData("{{ 'x' | indent(2) }}|{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a b  c' | wordcount }}|{{ '<a href=\"x\">' | e }}|{{ 'abc' | center(7) }}", "x|a\n  b\n\n  c|  a\n  b|3|&lt;a href=&#34;x&#34;&gt;|  abc  ")]
    [InlineData("{{ 3 | round(1) }}|{{ 2.5 is divisibleby 2 }}|{{ {\"a\": 1} is lower }}|{{ false | map(\"string\") | list }}|{{ none | select | list }}", "3|False|True|[]|[]")]
    public void Render_Filter_MatchesJinja2(string template, string expected)
    {
        Assert.Equal(expected, TestData.Render(template, """[{"role":"user","content":"hi"}]""", false, ExpressionTests.Variables));
    }

    [Fact]
    public void Render_StrftimeNow_FormatsCurrentDate()
    {
        // HF's strftime_now global (used by Llama 3.x templates): "%d %b %Y" -> e.g. "26 Jul 2024".
        Assert.Matches(@"^\d{2} [A-Z][a-z]{2} \d{4}$", TestData.Render("{{ strftime_now('%d %b %Y') }}"));
    }

    [Fact]
    public void Render_TojsonIndentString_UsesItAsIndent()
    {
        Assert.Equal("{\n\t\"a\": [\n\t\t1\n\t]\n}", TestData.Render("{{ {'a': [1]} | tojson(indent='\\t') }}"));
    }
}

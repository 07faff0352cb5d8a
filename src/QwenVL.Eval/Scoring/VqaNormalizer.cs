// Answer normalisers of the VQA family: the official GT-Vision-Lab/VQA evaluator, VLMEvalKit's
// process_answer and EvalAI's EvalAIAnswerProcessor (used by lmms-eval for TextVQA). They share the
// punctuation / number-word / article / contraction steps and differ in the period regex and a first
// tokenising step (eval-metrics.md §5). This file does not score; VqaAccuracy does.
using System.Text;
using System.Text.RegularExpressions;

namespace QwenVL.Eval.Scoring;

/// <summary>The three VQA normalisers, selectable by name.</summary>
public static partial class VqaNormalizer
{
    // The HEAD punctuation list (21 marks); the older official revision with ':' and '\'' is not used.
    static readonly string[] Punct =
        [";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"];

    static readonly Dictionary<string, string> NumberMap = new(StringComparer.Ordinal)
    {
        ["none"] = "0", ["zero"] = "0", ["one"] = "1", ["two"] = "2", ["three"] = "3", ["four"] = "4",
        ["five"] = "5", ["six"] = "6", ["seven"] = "7", ["eight"] = "8", ["nine"] = "9", ["ten"] = "10",
    };

    static readonly HashSet<string> Articles = new(StringComparer.Ordinal) { "a", "an", "the" };

    // Contraction table of the VQA evaluator (ASCII apostrophes, HEAD). Keys are looked up after
    // lower-casing, so the mixed-case keys ("Im", "Ive", "Id've") never fire, as upstream.
    static readonly Dictionary<string, string> Contractions = BuildContractions(
        "aint=ain't arent=aren't cant=can't couldve=could've couldnt=couldn't couldn'tve=couldn't've " +
        "couldnt've=couldn't've didnt=didn't doesnt=doesn't dont=don't hadnt=hadn't hadnt've=hadn't've " +
        "hadn'tve=hadn't've hasnt=hasn't havent=haven't hed=he'd hed've=he'd've he'dve=he'd've hes=he's " +
        "howd=how'd howll=how'll hows=how's Id've=I'd've I'dve=I'd've Im=I'm Ive=I've isnt=isn't itd=it'd " +
        "itd've=it'd've it'dve=it'd've itll=it'll let's=let's maam=ma'am mightnt=mightn't " +
        "mightnt've=mightn't've mightn'tve=mightn't've mightve=might've mustnt=mustn't mustve=must've " +
        "neednt=needn't notve=not've oclock=o'clock oughtnt=oughtn't ow's'at='ow's'at 'ows'at='ow's'at " +
        "'ow'sat='ow's'at shant=shan't shed've=she'd've she'dve=she'd've she's=she's shouldve=should've " +
        "shouldnt=shouldn't shouldnt've=shouldn't've shouldn'tve=shouldn't've somebody'd=somebodyd " +
        "somebodyd've=somebody'd've somebody'dve=somebody'd've somebodyll=somebody'll somebodys=somebody's " +
        "someoned=someone'd someoned've=someone'd've someone'dve=someone'd've someonell=someone'll " +
        "someones=someone's somethingd=something'd somethingd've=something'd've something'dve=something'd've " +
        "somethingll=something'll thats=that's thered=there'd thered've=there'd've there'dve=there'd've " +
        "therere=there're theres=there's theyd=they'd theyd've=they'd've they'dve=they'd've theyll=they'll " +
        "theyre=they're theyve=they've twas='twas wasnt=wasn't wed've=we'd've we'dve=we'd've weve=we've " +
        "werent=weren't whatll=what'll whatre=what're whats=what's whatve=what've whens=when's whered=where'd " +
        "wheres=where's whereve=where've whod=who'd whod've=who'd've who'dve=who'd've wholl=who'll whos=who's " +
        "whove=who've whyll=why'll whyre=why're whys=why's wont=won't wouldve=would've wouldnt=wouldn't " +
        "wouldnt've=wouldn't've wouldn'tve=wouldn't've yall=y'all yall'll=y'all'll y'allll=y'all'll " +
        "yall'd've=y'all'd've y'alld've=y'all'd've y'all'dve=y'all'd've youd=you'd youd've=you'd've " +
        "you'dve=you'd've youll=you'll youre=you're youve=you've");

    [GeneratedRegex(@"(\d)(,)(\d)")]
    private static partial Regex CommaStrip();

    // Official VQA and EvalAI: "(?!<=\d)(\.)(?!\d)" — a mistyped look-behind that in effect strips
    // every '.' not followed by a digit ("5." -> "5").
    [GeneratedRegex(@"(?!<=\d)(\.)(?!\d)")]
    private static partial Regex PeriodStripLoose();

    // VLMEvalKit HEAD (eval-metrics.md §5, verified there by running both): a real look-behind, so
    // "5." keeps its period and scores 0 against "5".
    [GeneratedRegex(@"(?<!\d)\.(?!\d)")]
    private static partial Regex PeriodStripStrict();

    /// <summary>VLMEvalKit process_answer: always applied to both prediction and answers.</summary>
    public static string VlmEvalKit(string s)
    {
        s = s.Replace('\n', ' ').Replace('\t', ' ').Trim();
        return DigitArticle(Punctuation(s, strictPeriod: true));
    }

    /// <summary>EvalAI / lmms-eval EvalAIAnswerProcessor: word_tokenize, then the shared steps.</summary>
    public static string EvalAi(string s)
    {
        // word_tokenize: lower-case, drop ',' and '?', split the possessive "'s" into its own token.
        s = s.ToLowerInvariant().Replace(",", "").Replace("?", "").Replace("'s", " 's").Trim();
        s = s.Replace('\n', ' ').Replace('\t', ' ').Trim();
        return DigitArticle(Punctuation(s, strictPeriod: false));
    }

    /// <summary>The official evaluator's per-answer step (applied only when the answers are not all equal).</summary>
    public static string Official(string s) => DigitArticle(Punctuation(s, strictPeriod: false));

    /// <summary>The official pre-step applied to every answer: tabs/newlines to spaces, trimmed.</summary>
    public static string OfficialBasic(string s) => s.Replace('\n', ' ').Replace('\t', ' ').Trim();

    /// <summary>processPunctuation: each mark is deleted if it touches a space (or any "d,d" occurs), else spaced out.</summary>
    public static string Punctuation(string s, bool strictPeriod)
    {
        string output = s;
        bool commaNumber = CommaStrip().IsMatch(s);
        foreach (string p in Punct)
        {
            // Tests the ORIGINAL string, as upstream does, not the progressively edited one.
            bool delete = s.Contains(p + " ", StringComparison.Ordinal) || s.Contains(" " + p, StringComparison.Ordinal) || commaNumber;
            output = output.Replace(p, delete ? "" : " ", StringComparison.Ordinal);
        }
        return (strictPeriod ? PeriodStripStrict() : PeriodStripLoose()).Replace(output, "");
    }

    /// <summary>processDigitArticle: lower-case, number words to digits, drop articles, restore contractions.</summary>
    public static string DigitArticle(string s)
    {
        var words = new List<string>();
        foreach (string raw in PySplit(s.ToLowerInvariant()))
        {
            string w = NumberMap.GetValueOrDefault(raw, raw);
            if (!Articles.Contains(w)) words.Add(w);
        }
        for (int i = 0; i < words.Count; i++)
        {
            if (Contractions.TryGetValue(words[i], out string? c)) words[i] = c;
        }
        return string.Join(' ', words);
    }

    /// <summary>Python str.split() with no argument: split on runs of whitespace, no empty tokens.</summary>
    public static string[] PySplit(string s) =>
        s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    static Dictionary<string, string> BuildContractions(string table)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in table.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            d[pair[..eq]] = pair[(eq + 1)..];
        }
        return d;
    }

    /// <summary>Python-style lower(): invariant lower-casing (matches for the scripts these benchmarks use).</summary>
    internal static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>Collapses whitespace like Python ' '.join(s.split()).</summary>
    internal static string CollapseWs(string s) => string.Join(' ', PySplit(s));

    /// <summary>Unicode code points of a string (Python indexes by code point, .NET by UTF-16 unit).</summary>
    internal static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        foreach (Rune r in s.EnumerateRunes()) list.Add(r.Value);
        return [.. list];
    }
}

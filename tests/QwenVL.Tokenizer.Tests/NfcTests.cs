// NFC with the tokenizer's own tables (string.Normalize is a no-op under InvariantGlobalization).
// Expected strings were checked against HF tokenizers' NFC normalizer; composition, reordering,
// exclusions, singletons, Hangul and astral characters are each covered.
using QwenVL.Tokenizer.Unicode;

namespace QwenVL.Tokenizer.Tests;

public class NfcTests
{
    [Theory]
    [InlineData("e\u0301", "\u00E9")]                          // e + acute -> é
    [InlineData("A\u030A", "\u00C5")]
    [InlineData("\u212B", "\u00C5")]                           // Angstrom sign: singleton decomposition
    [InlineData("\u2126", "\u03A9")]                           // Ohm sign -> Greek Omega
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]               // Hangul L+V+T -> syllable
    [InlineData("\uAC00\u11A8", "\uAC01")]                     // LV syllable + T
    [InlineData("a\u0302\u0323", "\u1EAD")]                    // marks reordered (220 before 230), then composed
    [InlineData("a\u0323\u0302", "\u1EAD")]
    [InlineData("\u0958", "\u0915\u093C")]                     // composition exclusion stays decomposed
    [InlineData("\u0344", "\u0308\u0301")]                     // non-starter decomposition
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")]         // astral exclusion (musical half note)
    [InlineData("u\u0308\u0304", "\u01D6")]                    // two-step composition ü + macron
    [InlineData("\u0B47\u0B3E", "\u0B4B")]                     // two starters compose (Oriya)
    [InlineData("e\u0301\u0301", "\u00E9\u0301")]              // second acute is blocked
    [InlineData("\u1E9B\u0323", "\u1E9B\u0323")]               // UAX #15's long-s example
    [InlineData("\u0301e", "\u0301e")]                         // leading mark has no starter
    [InlineData("plain ASCII", "plain ASCII")]
    public void Normalize_Input_MatchesHfNfc(string input, string expected)
    {
        Assert.Equal(expected, Nfc.Normalize(input));
    }

    [Theory]
    [InlineData("hello world", true)]
    [InlineData("café 你好 😀", true)]
    [InlineData("cafe\u0301", false)]
    [InlineData("\u1100\u1161", false)]
    public void IsQuickNormalized_Input_DetectsTextNfcMayChange(string input, bool expected)
    {
        Assert.Equal(expected, Nfc.IsQuickNormalized(input));
    }

    [Fact]
    public void Normalize_UnderInvariantGlobalization_StillComposes()
    {
        // Documents why Nfc exists: the BCL call leaves the text unchanged in this configuration.
        Assert.True(AppContext.TryGetSwitch("System.Globalization.Invariant", out bool invariant) && invariant);
        Assert.Equal("\u00E9", Nfc.Normalize("e\u0301"));
    }

    [Fact]
    public void Encode_DecomposedInput_EqualsComposedIds()
    {
        // HF: "café näive" written with combining marks -> ca, fé, Ġnä, ive.
        Assert.Equal([924, 58858, 43117, 533], TestTokenizers.Qwen25.Encode("cafe\u0301 na\u0308ive"));
        Assert.Equal(TestTokenizers.Qwen25.Encode("caf\u00E9"), TestTokenizers.Qwen25.Encode("cafe\u0301"));
    }
}

// The 8 Pillow BICUBIC resize pairs (golden/resize): decode input and expected with ImageDecoder,
// resize, compare every byte. Also checks the stated uint8 sums so a wrong fixture read cannot pass.
using System.Text.Json;
using QwenVL.Testing;

namespace QwenVL.Imaging.Tests;

public class ResizeGoldenTests
{
    public static TheoryData<string> PairNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement pair in Index().GetProperty("pairs").EnumerateArray())
        {
            data.Add(pair.GetProperty("name").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PairNames))]
    public void Bicubic_GoldenPair_MatchesPillowByteForByte(string name)
    {
        JsonElement pair = Index().GetProperty("pairs").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == name);
        RgbImage input = ImageDecoder.DecodeFile(Fixtures.Path(pair.GetProperty("input").GetString()!));
        RgbImage expected = ImageDecoder.DecodeFile(Fixtures.Path(pair.GetProperty("expected").GetString()!));
        int[] inWh = [.. pair.GetProperty("input_size_wh").EnumerateArray().Select(e => e.GetInt32())];
        int[] outWh = [.. pair.GetProperty("output_size_wh").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal((inWh[0], inWh[1]), (input.Width, input.Height));
        Assert.Equal((outWh[0], outWh[1]), (expected.Width, expected.Height));
        Assert.Equal(pair.GetProperty("expected_uint8_sum").GetInt64(), expected.Pixels.Sum(b => (long)b));

        RgbImage actual = PillowResize.Bicubic(input, outWh[0], outWh[1]);

        Assert.Equal((outWh[0], outWh[1]), (actual.Width, actual.Height));
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            if (expected.Pixels[i] != actual.Pixels[i])
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }
        Assert.True(mismatches == 0,
            $"{name}: {mismatches} bytes differ; first at byte {first} (pixel {first / 3 % outWh[0]},{first / 3 / outWh[0]})");
    }

    private static JsonElement Index() =>
        JsonDocument.Parse(File.ReadAllText(Fixtures.Path("golden", "resize", "index.json"))).RootElement;
}

// RGBA onto white, as qwen-vl-utils `to_rgb` does with PIL paste: every (value, alpha) pair is
// checked through the public decoder against the rounding formula computed here independently.
using SkiaSharp;

namespace QwenVL.Imaging.Tests;

public class CompositeTests
{
    [Fact]
    public void Decode_RgbaPngEveryValueAlphaPair_MatchesPilPasteOnWhite()
    {
        // 256x256: column x is the colour value, row y the alpha; three channel patterns.
        var rgba = new byte[256 * 256 * 4];
        for (int y = 0; y < 256; y++)
        {
            for (int x = 0; x < 256; x++)
            {
                int i = (y * 256 + x) * 4;
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = ((byte)x, (byte)(255 - x), (byte)(x * 7), (byte)y);
            }
        }
        byte[] png = ByteImages.SkiaEncode(256, 256, rgba, SKEncodedImageFormat.Png);

        RgbImage image = ImageDecoder.Decode(png, "alpha.png");

        byte[] expected = DecoderFormatTests.ExpectedComposite(rgba);
        int bad = Enumerable.Range(0, expected.Length).Count(i => expected[i] != image.Pixels[i]);
        Assert.True(bad == 0, $"{bad} channel values differ from round((v*a + 255*(255-a))/255)");
        Assert.Equal(255, image.Pixels[(0 * 256 + 17) * 3]);          // alpha 0 -> white
        Assert.Equal(17, image.Pixels[(255 * 256 + 17) * 3]);         // alpha 255 -> unchanged
        Assert.Equal(136, image.Pixels[(128 * 256 + 17) * 3]);        // (17*128 + 255*127)/255 = 135.55 -> 136
    }

    [Fact]
    public void Decode_WebpWithAlpha_CompositesOnWhite()
    {
        byte[] rgba = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 200, 100, 0, 1];
        byte[] webp = ByteImages.SkiaEncode(2, 2, rgba, SKEncodedImageFormat.Webp);

        RgbImage image = ImageDecoder.Decode(webp, "alpha.webp");

        Assert.Equal(DecoderFormatTests.ExpectedComposite(rgba), image.Pixels);
    }
}

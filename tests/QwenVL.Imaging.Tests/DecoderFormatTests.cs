// Decoding of every supported container and PNG colour type into RGB, with the values PIL +
// qwen-vl-utils produce (alpha dropped or composited per PIL mode, no colour management, no EXIF).
using System.Text.Json;
using QwenVL.Testing;
using SkiaSharp;

namespace QwenVL.Imaging.Tests;

public class DecoderFormatTests
{
    [Fact]
    public void DecodeFile_FixturePng_KeepsStoredValues()
    {
        using JsonDocument doc = JsonDocument.Parse(
            File.ReadAllText(Fixtures.Path("golden", "qwen2.5-vl-tiny", "shapes_448x448.json")));
        JsonElement u8 = doc.RootElement.GetProperty("resized_uint8_hwc");
        RgbImage image = ImageDecoder.DecodeFile(Fixtures.Path("images", "shapes_448x448.png"));

        Assert.Equal((448, 448), (image.Width, image.Height));
        Assert.Equal(u8.GetProperty("first48").EnumerateArray().Select(e => (byte)e.GetInt32()), image.Pixels.Take(48));
        Assert.Equal(u8.GetProperty("sum").GetInt64(), image.Pixels.Sum(b => (long)b));
    }

    [Fact]
    public void Decode_Rgb8PngWithGammaChunk_ReturnsStoredBytesUntransformed()
    {
        byte[] hwc = [.. Enumerable.Range(0, 5 * 3 * 3).Select(i => (byte)(i * 37 + 11))];
        // gAMA 1.0 would brighten mid-tones by a lot if any colour management ran.
        byte[] png = PngBuilder.Build(5, 3, 8, 2, PngBuilder.SplitRows(hwc, 15, 3),
            ancillary: [("gAMA", [0x00, 0x01, 0x86, 0xA0])]);

        RgbImage image = ImageDecoder.Decode(png, "gamma.png");

        Assert.Equal(hwc, image.Pixels);
    }

    public static TheoryData<string, byte[], byte[]> PngVariants() => new()
    {
        // name, png bytes, expected RGB of the two pixels
        { "gray8", PngBuilder.Build(2, 1, 8, 0, [[7, 250]]), [7, 7, 7, 250, 250, 250] },
        { "gray2", PngBuilder.Build(2, 1, 2, 0, [[0b0110_0000]]), [85, 85, 85, 170, 170, 170] },
        // PIL "LA" -> convert("RGB") drops alpha, no compositing.
        { "gray-alpha", PngBuilder.Build(2, 1, 8, 4, [[100, 0, 200, 128]]), [100, 100, 100, 200, 200, 200] },
        // PIL "P" with tRNS -> palette colours, alpha ignored.
        { "palette-trns", PngBuilder.Build(2, 1, 8, 3, [[1, 0]], palette: [10, 20, 30, 40, 50, 60], trns: [0, 128]),
            [40, 50, 60, 10, 20, 30] },
        { "rgb-trns", PngBuilder.Build(2, 1, 8, 2, [[10, 20, 30, 40, 50, 60]], trns: [0, 10, 0, 20, 0, 30]),
            [10, 20, 30, 40, 50, 60] },
        // PIL "RGB;16B" keeps the high byte: 0xC800 -> 200 (rounding v/257 would give 199).
        { "rgb16", PngBuilder.Build(2, 1, 16, 2, [[0xC8, 0, 0x7F, 0xFF, 0x01, 0x80, 0xFF, 0xFF, 0, 0xFF, 0x01, 0]]),
            [200, 127, 1, 255, 0, 1] },
        // 16-bit RGBA, opaque: composited, which leaves opaque pixels unchanged.
        { "rgba16", PngBuilder.Build(2, 1, 16, 6,
            [[0xC8, 0, 0x7F, 0xFF, 0x01, 0x80, 0xFF, 0xFF, 0x10, 0x10, 0x20, 0x20, 0x30, 0x30, 0xFF, 0xFF]]),
            [200, 127, 1, 16, 32, 48] },
    };

    [Theory]
    [MemberData(nameof(PngVariants))]
    public void Decode_PngColourType_MatchesPilConvertRgb(string name, byte[] png, byte[] expected)
    {
        RgbImage image = ImageDecoder.Decode(png, name);

        Assert.Equal((2, 1), (image.Width, image.Height));
        Assert.Equal(expected, image.Pixels);
    }

    [Fact]
    public void Decode_Jpeg_DecodesFlatBlocksWithinCompressionError()
    {
        // 32x32 in four flat 16x16 quadrants: one 4:2:0 MCU each, so away from the quadrant edges
        // (where chroma upsampling blends neighbours) quality 100 is within a few levels.
        (byte R, byte G, byte B)[] quads = [(200, 30, 40), (20, 180, 60), (50, 60, 220), (128, 128, 128)];
        byte[] rgba = Rgba(32, 32, (x, y) => quads[(y / 16) * 2 + x / 16]);
        byte[] jpeg = ByteImages.SkiaEncode(32, 32, rgba, SKEncodedImageFormat.Jpeg, 100);

        RgbImage image = ImageDecoder.Decode(jpeg, "quads.jpg");

        Assert.Equal((32, 32), (image.Width, image.Height));
        AssertClose(rgba, image, tolerance: 4, include: (x, y) => Math.Abs(x % 16 - 7.5) < 5 && Math.Abs(y % 16 - 7.5) < 5);
    }

    [Fact]
    public void Decode_AdobeCmykJpeg_ConvertsLikePilCmykToRgb()
    {
        byte[] stored = [200, 100, 30, 180];
        RgbImage image = ImageDecoder.Decode(JpegBuilder.AdobeCmyk8x8(stored), "cmyk.jpg");

        // PIL: "CMYK;I" un-inverts (c = 255 - stored), then out = (255 - k) - round(c * (255 - k) / 255).
        int nk = stored[3];
        byte[] expected = [.. stored.Take(3).Select(s => (byte)(nk - (int)Math.Round((255 - s) * nk / 255.0)))];
        Assert.Equal((8, 8), (image.Width, image.Height));
        Assert.Equal(expected, image.Pixels.Take(3));
        Assert.Equal(expected, image.Pixels.Skip(63 * 3));
    }

    [Fact]
    public void Decode_JpegWithExifOrientation_IsNotRotated()
    {
        byte[] rgba = Rgba(32, 16, (x, y) => x < 16 ? ((byte)250, (byte)10, (byte)10) : ((byte)10, (byte)10, (byte)250));
        byte[] jpeg = ByteImages.SkiaEncode(32, 16, rgba, SKEncodedImageFormat.Jpeg, 100);
        // APP1 Exif, little-endian TIFF, one IFD entry: Orientation (0x0112) = 6 (rotate 90 CW to display).
        byte[] exif = [0xFF, 0xE1, 0, 34, .. "Exif"u8.ToArray(), 0, 0, .. "II"u8.ToArray(), 42, 0, 8, 0, 0, 0,
            1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        byte[] withExif = [.. jpeg.Take(2), .. exif, .. jpeg.Skip(2)];
        using (SKCodec codec = SKCodec.Create(SKData.CreateCopy(withExif)))
        {
            Assert.Equal(SKEncodedOrigin.RightTop, codec.EncodedOrigin); // the tag is really there
        }

        RgbImage image = ImageDecoder.Decode(withExif, "exif.jpg");

        Assert.Equal((32, 16), (image.Width, image.Height)); // a rotated decode would be 16x32
        AssertClose(rgba, image, tolerance: 4, include: (x, y) => Math.Abs(x % 16 - 7.5) < 5);
    }

    [Fact]
    public void Decode_LosslessWebp_ReturnsExactPixels()
    {
        byte[] rgba = Rgba(7, 5, (x, y) => ((byte)(x * 30), (byte)(y * 50), (byte)(x * y * 7)));
        RgbImage image = ImageDecoder.Decode(ByteImages.SkiaEncode(7, 5, rgba, SKEncodedImageFormat.Webp), "a.webp");

        AssertClose(rgba, image, tolerance: 0);
    }

    [Fact]
    public void Decode_Bmp24_ReturnsExactPixels()
    {
        byte[] rgba = Rgba(3, 2, (x, y) => ((byte)(x * 80 + 1), (byte)(y * 90 + 2), (byte)(x + y + 3)));
        RgbImage image = ImageDecoder.Decode(ByteImages.Bmp(3, 2, rgba, 24), "a.bmp");

        AssertClose(rgba, image, tolerance: 0);
    }

    [Fact]
    public void Decode_Bmp32PlainRgb_IgnoresFourthByteLikePilBgrx()
    {
        byte[] rgba = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4];
        RgbImage image = ImageDecoder.Decode(ByteImages.Bmp(2, 2, rgba, 32), "bgrx.bmp");

        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3], image.Pixels);
    }

    [Fact]
    public void Decode_Bmp32WithAlphaMask_CompositesOnWhite()
    {
        byte[] rgba = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4];
        RgbImage image = ImageDecoder.Decode(ByteImages.Bmp(2, 2, rgba, 32, bitfields: true), "bgra.bmp");

        Assert.Equal(ExpectedComposite(rgba), image.Pixels);
    }

    [Fact]
    public void Decode_Gif_ReturnsPaletteColoursOfFirstFrame()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9];
        RgbImage image = ImageDecoder.Decode(ByteImages.Gif(2, 2, palette, [3, 1, 2, 0]), "a.gif");

        Assert.Equal([9, 9, 9, 0, 255, 0, 0, 0, 255, 255, 0, 0], image.Pixels);
    }

    [Fact]
    public void Decode_GifWithTransparentIndex_KeepsThatPaletteColourLikePil()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7];
        RgbImage image = ImageDecoder.Decode(ByteImages.Gif(2, 2, palette, [0, 3, 3, 2], transparentIndex: 3), "t.gif");

        Assert.Equal([255, 0, 0, 9, 8, 7, 9, 8, 7, 0, 0, 255], image.Pixels);
    }

    internal static byte[] Rgba(int w, int h, Func<int, int, (byte R, byte G, byte B)> color)
    {
        var rgba = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                (byte r, byte g, byte b) = color(x, y);
                int i = (y * w + x) * 4;
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = (r, g, b, 255);
            }
        }
        return rgba;
    }

    /// <summary>round((src * a + 255 * (255 - a)) / 255), the exact value Pillow's integer blend gives.</summary>
    internal static byte[] ExpectedComposite(byte[] rgba)
    {
        var rgb = new List<byte>();
        for (int i = 0; i < rgba.Length; i += 4)
        {
            int a = rgba[i + 3];
            for (int c = 0; c < 3; c++)
            {
                rgb.Add((byte)Math.Round((rgba[i + c] * a + 255.0 * (255 - a)) / 255.0));
            }
        }
        return [.. rgb];
    }

    private static void AssertClose(byte[] rgba, RgbImage image, int tolerance, Func<int, int, bool>? include = null)
    {
        Assert.Equal(rgba.Length / 4 * 3, image.Pixels.Length);
        int worst = 0;
        for (int p = 0; p < rgba.Length / 4; p++)
        {
            if (include != null && !include(p % image.Width, p / image.Width))
            {
                continue;
            }
            for (int c = 0; c < 3; c++)
            {
                worst = Math.Max(worst, Math.Abs(rgba[p * 4 + c] - image.Pixels[p * 3 + c]));
            }
        }
        Assert.True(worst <= tolerance, $"max channel error {worst} > {tolerance}");
    }
}

// Bad inputs: every failure is an ImageException that names the source and says what is wrong,
// and the size limits fire from the header, before any pixel memory is allocated.
using System.Buffers.Binary;
using SkiaSharp;

namespace QwenVL.Imaging.Tests;

public class DecoderErrorTests
{
    private static byte[] SmallPng() => PngBuilder.Rgb8(4, 4, [.. Enumerable.Range(0, 48).Select(i => (byte)(i * 5))]);

    [Fact]
    public void Decode_ZeroBytes_ThrowsEmpty()
    {
        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode([], "empty.png"));

        Assert.Equal("empty.png", e.Source);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Decode_NotAnImage_ThrowsUnsupported()
    {
        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode("hello, this is text"u8, "notes.txt"));

        Assert.Contains("notes.txt", e.Message);
        Assert.Contains("unsupported", e.Message);
    }

    [Fact]
    public void Decode_PngWithGarbageBody_ThrowsCorruptOrTruncated()
    {
        byte[] png = SmallPng();
        byte[] corrupt = [.. png.Take(33), .. Enumerable.Repeat((byte)0x5A, 40)];

        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode(corrupt, "corrupt.png"));

        Assert.Matches("corrupt|truncated", e.Message);
    }

    [Fact]
    public void Decode_TruncatedPng_Throws()
    {
        // 64x64 noise, so the compressed IDAT is long; cut it in the middle of the pixel data.
        var rng = new Random(7);
        var hwc = new byte[64 * 64 * 3];
        rng.NextBytes(hwc);
        byte[] png = PngBuilder.Rgb8(64, 64, hwc);

        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode(png.AsSpan(0, png.Length / 2), "cut.png"));

        Assert.Equal("cut.png", e.Source);
        Assert.Matches("truncated|corrupt", e.Message);
    }

    [Fact]
    public void Decode_TruncatedJpeg_Throws()
    {
        var rgba = new byte[64 * 64 * 4];
        new Random(3).NextBytes(rgba);
        byte[] jpeg = ByteImages.SkiaEncode(64, 64, rgba, SKEncodedImageFormat.Jpeg, 90);

        Assert.Throws<ImageException>(() => ImageDecoder.Decode(jpeg.AsSpan(0, jpeg.Length / 2), "cut.jpg"));
    }

    [Fact]
    public void Decode_ForgedHugePngHeader_ThrowsPixelLimitBeforeDecoding()
    {
        byte[] png = SmallPng();
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 100_000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 100_000);

        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode(png, "bomb.png"));

        Assert.Contains("10000000000 pixels", e.Message);
        Assert.Contains("limit of 100000000", e.Message);
    }

    [Fact]
    public void Decode_JpegOverCustomPixelLimit_Throws()
    {
        byte[] jpeg = ByteImages.SkiaEncode(20, 20, new byte[20 * 20 * 4], SKEncodedImageFormat.Jpeg, 80);

        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode(jpeg, "big.jpg", maxPixels: 399));

        Assert.Contains("400 pixels", e.Message);
        Assert.Equal(20, ImageDecoder.Decode(jpeg, "big.jpg", maxPixels: 400).Width);
    }

    [Fact]
    public void Decode_ZeroWidthPng_ThrowsZeroSize()
    {
        byte[] png = SmallPng();
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 0);

        var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode(png, "zero.png"));

        Assert.Contains("zero or invalid size (0x4)", e.Message);
    }

    [Theory]
    [InlineData(201, 1, true)]
    [InlineData(1, 201, true)]
    [InlineData(200, 1, false)]
    public void Decode_AspectRatio_RefusedAbove200(int w, int h, bool refused)
    {
        byte[] png = PngBuilder.Rgb8(w, h, new byte[w * h * 3]);

        if (refused)
        {
            var e = Assert.Throws<ImageException>(() => ImageDecoder.Decode(png, "strip.png"));
            Assert.Contains("aspect ratio 201", e.Message);
        }
        else
        {
            Assert.Equal(w, ImageDecoder.Decode(png, "strip.png").Width);
        }
    }

    [Fact]
    public void DecodeFile_MissingFile_ThrowsNamingPath()
    {
        string path = Path.Combine(Path.GetTempPath(), "qwenvl-no-such-image-" + Guid.NewGuid() + ".png");

        var e = Assert.Throws<ImageException>(() => ImageDecoder.DecodeFile(path));

        Assert.Equal(path, e.Source);
    }
}

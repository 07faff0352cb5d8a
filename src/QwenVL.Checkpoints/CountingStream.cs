// Write-only pass-through stream that enforces the byte count a TensorToWrite callback must produce.
// It deliberately never closes the underlying file stream, even if the callback disposes it.
namespace QwenVL.Checkpoints;

internal sealed class CountingStream(Stream inner, long expected, string file, string key) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException("tensor data streams are write-only and sequential");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Fail at the first extra byte rather than after writing gigabytes past the tensor's slot.
        if (buffer.Length > expected - Written)
        {
            throw new CheckpointException(file, key,
                $"tensor '{key}': WriteData wrote more than the {expected} bytes its dtype and shape need (at least {Written + buffer.Length})");
        }
        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("tensor data streams are write-only");

    public override long Seek(long offset, SeekOrigin origin) =>
        throw new NotSupportedException("tensor data streams are write-only and sequential");

    public override void SetLength(long value) =>
        throw new NotSupportedException("tensor data streams are write-only and sequential");
}

namespace CsiDriver.Templating;

/// <summary>The rendered bytes, refusing to grow past the output limit.</summary>
internal sealed class BoundedOutput(int maxBytes)
{
    private byte[] _buffer = new byte[256];
    private int _length;

    /// <summary>Appends, or returns false (writing nothing) when the limit would be exceeded.</summary>
    public bool TryWrite(ReadOnlySpan<byte> bytes)
    {
        if ((long)_length + bytes.Length > maxBytes)
        {
            return false;
        }

        if (_length + bytes.Length > _buffer.Length)
        {
            // Grown by copying, and the old buffer zeroed: it may hold secret values.
            var next = new byte[Math.Max(_length + bytes.Length, Math.Min(maxBytes, _buffer.Length * 2))];
            _buffer.AsSpan(0, _length).CopyTo(next);
            Array.Clear(_buffer);
            _buffer = next;
        }

        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
        return true;
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>Zeroes the working buffer: it may hold secret values.</summary>
    public void Clear()
    {
        Array.Clear(_buffer);
        _length = 0;
    }
}

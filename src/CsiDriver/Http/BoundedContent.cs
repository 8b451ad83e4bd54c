namespace CsiDriver.Http;

/// <summary>Reads an HTTP body into memory, stopping at a limit so a hostile or broken backend cannot exhaust the driver's memory.</summary>
internal static class BoundedContent
{
    /// <summary>The body's bytes, or null when it is (or declares itself) larger than <paramref name="maxBytes"/>; the caller reports that in its own terms.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is long declared && declared > maxBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}

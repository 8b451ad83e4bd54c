namespace CsiDriver.Hosting;

/// <summary>The logging both commands set up: the console (JSON lines or one line an entry, UTC times, written inline) and the levels.</summary>
internal static class ProcessLogging
{
    /// <summary>
    /// Adds <paramref name="configure"/>'s providers, else the console; verbosity 5 and up logs debug entries, and the
    /// framework's own categories only from warnings.
    /// </summary>
    public static void Configure(ILoggingBuilder logging, Action<ILoggingBuilder>? configure, bool json, int verbosity)
    {
        (configure ?? (console => AddConsole(console, json)))(logging);
        logging.SetMinimumLevel(verbosity >= 5 ? LogLevel.Debug : LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
    }

    private static void AddConsole(ILoggingBuilder logging, bool json)
    {
        if (json)
        {
            logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }

        // One write(2) per line on the caller's thread instead of a hand-off to the console logger's writer thread.
        logging.UseInlineConsole();
    }
}

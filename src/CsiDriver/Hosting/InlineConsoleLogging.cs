using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CsiDriver.Hosting;

/// <summary>Console logging written on the logging thread itself (see <see cref="InlineConsoleLoggerProvider"/>).</summary>
internal static class InlineConsoleLogging
{
    /// <summary>
    /// Keeps the console formatter configured by <c>AddSimpleConsole</c>/<c>AddJsonConsole</c> (same lines, same
    /// options) but swaps the console provider's background queue for one write(2) per entry on the caller's thread.
    /// </summary>
    public static ILoggingBuilder UseInlineConsole(this ILoggingBuilder logging)
    {
        foreach (var console in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            logging.Services.Remove(console);
        }

        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, InlineConsoleLoggerProvider>());
        return logging;
    }
}

/// <summary>
/// The console provider without its queue. Microsoft's console logger hands every entry to a writer thread, which
/// costs a thread wake-up (futex calls, a yield) per line: on the publish path that is as many syscalls as the
/// file writes. Here the entry is formatted into a per-thread buffer and written with one write(2) under a lock;
/// when stdout blocks, the caller waits, as it does when the console logger's queue is full.
/// </summary>
internal sealed class InlineConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
    : ILoggerProvider, ISupportExternalScope
{
    [ThreadStatic]
    private static StringWriter? t_buffer;

    private readonly Dictionary<string, ConsoleFormatter> _formatters = formatters.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
    private readonly Lock _writeLock = new();
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly Stream _stderr = Console.OpenStandardError();
    private IExternalScopeProvider? _scopes;
    private bool _disposed;

    public ILogger CreateLogger(string categoryName) => new InlineConsoleLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        lock (_writeLock)
        {
            _disposed = true;
            _stdout.Dispose();
            _stderr.Dispose();
        }
    }

    private ConsoleFormatter Formatter =>
        _formatters.TryGetValue(options.CurrentValue.FormatterName ?? ConsoleFormatterNames.Simple, out var formatter)
            ? formatter
            : _formatters[ConsoleFormatterNames.Simple];

    private void Write<TState>(in LogEntry<TState> entry)
    {
        var buffer = t_buffer ??= new StringWriter(new StringBuilder(256), System.Globalization.CultureInfo.InvariantCulture);
        var text = buffer.GetStringBuilder();
        text.Clear();
        Formatter.Write(entry, _scopes, buffer);
        if (text.Length == 0)
        {
            return;
        }

        var line = text.ToString();
        text.Clear();
        if (text.Capacity > 16 * 1024)
        {
            text.Capacity = 256; // One huge entry (an exception's stack) does not pin its buffer on this thread.
        }

        var bytes = Encoding.UTF8.GetBytes(line);

        var target = entry.LogLevel >= options.CurrentValue.LogToStandardErrorThreshold ? _stderr : _stdout;
        lock (_writeLock)
        {
            if (_disposed)
            {
                // A line from a task still winding down after the host let go of logging: Console's own writer keeps it.
                (target == _stderr ? Console.Error : Console.Out).Write(line);
                return;
            }

            target.Write(bytes);
        }
    }

    private sealed class InlineConsoleLogger(InlineConsoleLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull =>
            provider._scopes?.Push(state) ?? NullLogger.Instance.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter));
            }
        }
    }
}

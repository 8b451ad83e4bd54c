using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>
/// Keeps every formatted log line (with exception text) so tests can check what was logged, and the structured
/// values of each event, so a test can read what the code reported (a rotation pass's counts) from its log.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<(int EventId, IReadOnlyDictionary<string, object?> Values)> _events = new();

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public string AllText => string.Join('\n', _lines);

    /// <summary>The named values of every event logged with <paramref name="eventId"/>, oldest first.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Events(int eventId) =>
        _events.Where(e => e.EventId == eventId).Select(e => e.Values).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Values before the line, so a test that sees the line finds its values too.
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                owner._events.Enqueue((eventId.Id, values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal)));
            }

            owner._lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}");
        }
    }
}

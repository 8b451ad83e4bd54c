using System.Reflection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Observability;

/// <summary>Operators alert on event ids, so no two log lines of the executable may share one.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void EveryLoggerMessage_HasAnEventIdOfItsOwn()
    {
        var messages = typeof(CsiDriver.Observability.DriverLog).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: $"{method.DeclaringType!.Name}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        Assert.True(messages.Count > 100, $"found only {messages.Count} log messages");
        var shared = messages
            .GroupBy(m => m.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .ToList();
        Assert.Empty(shared);
    }
}

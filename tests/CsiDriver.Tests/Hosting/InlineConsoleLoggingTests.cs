using CsiDriver.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace CsiDriver.Tests.Hosting;

/// <summary>The driver's console logging: Microsoft's formatters, written on the caller's thread instead of a queue thread.</summary>
public sealed class InlineConsoleLoggingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UseInlineConsole_AfterSimpleOrJsonConsole_OnlyTheInlineProviderIsRegistered(bool json)
    {
        using var services = Build(json);

        var providers = services.GetServices<ILoggerProvider>().ToList();

        providers.Should().ContainSingle(p => p is InlineConsoleLoggerProvider);
        providers.Should().NotContain(p => p is ConsoleLoggerProvider);
    }

    [Fact]
    public void Log_EntryLargerThanTheKeptBuffer_WrittenAndTheNextEntryToo()
    {
        using var services = Build(json: false);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("test");

        var log = () =>
        {
            Write(logger, LogLevel.Information, new string('x', 17 * 1024));
            Write(logger, LogLevel.Information, "after a large entry");
        };

        log.Should().NotThrow();
    }

    [Fact]
    public void Log_AfterTheProviderIsDisposed_DoesNotThrow()
    {
        var services = Build(json: true);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("test");
        services.Dispose();

        var log = () => Write(logger, LogLevel.Warning, "a task still winding down");

        log.Should().NotThrow();
    }

    private static void Write(ILogger logger, LogLevel level, string message) =>
        logger.Log(level, new EventId(1, "Test"), message, exception: null, (text, _) => text);

    private static ServiceProvider Build(bool json) =>
        new ServiceCollection()
            .AddLogging(logging =>
            {
                if (json)
                {
                    logging.AddJsonConsole();
                }
                else
                {
                    logging.AddSimpleConsole();
                }

                logging.UseInlineConsole();
            })
            .BuildServiceProvider();
}

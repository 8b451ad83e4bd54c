namespace CsiDriver.Tests.Infrastructure;

/// <summary>Waits on a condition with a deadline instead of sleeping.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string because = "condition")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {because}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The same, for a condition that has to ask over the network (a health endpoint).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string because = "condition")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {because}");
            }

            await Task.Delay(20);
        }
    }
}

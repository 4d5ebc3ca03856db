"""Progress lines for long datagen runs: examples, examples/s and ETA, at most every `every` seconds."""
import time


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, label, total=None, log=print, every=5.0, clock=time.monotonic):
        self.label, self.total, self.log, self.every, self.clock = label, total, log, every, clock
        self.start = self.last = clock()
        self.count = 0

    def update(self, n=1):
        self.count += n
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.log(self.line(now))

    def rate(self, now=None):
        elapsed = (now or self.clock()) - self.start
        return self.count / elapsed if elapsed > 0 else 0.0

    def line(self, now):
        rate = self.rate(now)
        done = f"{self.count:,}"
        eta = ""
        if self.total:
            done += f"/{self.total:,} ({100 * self.count / self.total:.0f}%)"
            if rate > 0 and self.total > self.count:
                eta = f"  ETA {_clock((self.total - self.count) / rate)}"
        return f"  {self.label}: {done} examples  {rate:,.0f} ex/s{eta}"

    def finish(self, detail=""):
        now = self.clock()
        elapsed = now - self.start
        self.log(f"{self.label}: {self.count:,} examples in {elapsed:.1f}s ({self.rate(now):,.0f} ex/s)"
                 + (f", {detail}" if detail else ""))
        return elapsed

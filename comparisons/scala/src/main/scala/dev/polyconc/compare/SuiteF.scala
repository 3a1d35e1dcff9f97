package dev.polyconc.compare

import java.io.PrintStream
import java.util.concurrent.{ExecutorService, Executors}
import java.util.{List => JList}

import scala.concurrent.duration.Duration
import scala.concurrent.{Await, ExecutionContext, Future, Promise}
import scala.jdk.CollectionConverters._

/** Suite F (futures and promises) of WORKLOADS.md on Scala's `Future` and
  * `Promise`: on `ExecutionContext.global` (executor "global") and on a fixed
  * pool of cores threads (`ExecutionContext.fromExecutorService`, "fixed").
  */
final class ScalaSuiteF extends Bench.Suite {
  import ScalaSuiteF._

  override def workloads(): JList[String] = JList.of("F1", "F2", "F3")

  override def check(p: Bench.Params): String =
    if (p.tasks() < 10) "--tasks must be at least 10 (F3 does tasks/10 round trips)" else null

  override def cases(workload: String, p: Bench.Params, err: PrintStream): JList[Bench.Case] = {
    val n = p.tasks()
    val chains = math.max(n / Stages, 1L)
    val r = n / 10
    Executors_.map { case (name, make) =>
      val ex = s"""{"executor": "$name", """
      workload match {
        case "F1" =>
          new Bench.Case("F1", "Future", "future", s"F1 $name chains=$chains", "ns/stage",
            ex + s""""tasks": $n, "chains": $chains, "stages": $Stages}""",
            chains * Stages, chains * Stages, m => onContext(make, m)(chain(chains)(_)))
        case "F2" =>
          new Bench.Case("F2", "Future", "future", s"F2 $name tasks=$n", "ns/task",
            ex + s""""tasks": $n}""", n, n * (n + 1) / 2, m => onContext(make, m)(fanout(n)(_)))
        case _ =>
          new Bench.Case("F3", "Promise", "future", s"F3 $name round_trips=$r", "ns/roundtrip",
            ex + s""""round_trips": $r}""", r, 2 * r, m => onContext(make, m)(handoff(r)(_)))
      }
    }.asJava
  }
}

object ScalaSuiteF {
  val Stages = 1000
  val Cores: Int = Runtime.getRuntime.availableProcessors()

  /** The executors: global, or a fixed pool made for one run (None: global). */
  val Executors_ : List[(String, () => Option[ExecutorService])] = List(
    "global" -> (() => None),
    "fixed" -> (() => Some(Executors.newFixedThreadPool(Cores)))
  )

  /** Times `body` on the context; a fixed pool is made before and shut down after. */
  def onContext(make: () => Option[ExecutorService], meter: Bench.Meter)(
      body: ExecutionContext => Long
  ): Long = {
    val pool = make()
    val ec = pool.fold(ExecutionContext.global)(ExecutionContext.fromExecutorService(_))
    try {
      meter.start()
      val result = body(ec)
      meter.stop()
      result
    } finally pool.foreach(_.shutdown())
  }

  def chain(chains: Long)(implicit ec: ExecutionContext): Long =
    (0L until chains).map { _ =>
      var f = Future.successful(0L)
      for (_ <- 0 until Stages) f = f.map(_ + 1)
      Await.result(f, Duration.Inf)
    }.sum

  def fanout(n: Long)(implicit ec: ExecutionContext): Long =
    Await.result(Future.sequence((1L to n).map(i => Future(i))), Duration.Inf).sum

  /** F3's message: the counter and the fresh promise the answer goes to. */
  final case class Hop(value: Long, reply: Promise[Hop])

  /** The caller and a task on the context pass a counter r times back and
    * forth, each hop through a fresh promise made by the side that waits.
    */
  def handoff(r: Long)(implicit ec: ExecutionContext): Long = {
    val first = Promise[Hop]()
    val peer = Future {
      var inbox = first
      for (_ <- 0L until r) {
        val h = Await.result(inbox.future, Duration.Inf)
        inbox = Promise[Hop]()
        h.reply.success(Hop(h.value + 1, inbox))
      }
    }
    var inbox = first
    var v = 0L
    for (_ <- 0L until r) {
      val reply = Promise[Hop]()
      inbox.success(Hop(v, reply))
      val h = Await.result(reply.future, Duration.Inf)
      v = h.value + 1
      inbox = h.reply
    }
    Await.result(peer, Duration.Inf)
    v
  }
}

// polyconc.hpp: a header-only C++17 wrapper over polyconc.h: Chan<T>,
// Select, Queue<T>, Mutex, SpinLock, RwLock, ReentrantLock, CondVar,
// Semaphore, Latch, Barrier, WaitGroup, ThreadPool, Promise<T> and
// Future<T>.
//
//   polyconc::Chan<int> ch(16);        // capacity 16; 0 = rendezvous,
//   ch.send(1);                        //   polyconc::unbounded = unbounded
//   int v = ch.recv();                 // throws polyconc::closed_error when
//                                      //   closed and drained
//   std::optional<int> w = ch.recv_for(std::chrono::milliseconds(5));
//
// The wrapper is split by concept into polyconc/chan.hpp, queue.hpp,
// sync.hpp and future.hpp (each may be included alone); this header
// includes them all.
#ifndef POLYCONC_HPP
#define POLYCONC_HPP

#include "polyconc/chan.hpp"
#include "polyconc/future.hpp"
#include "polyconc/queue.hpp"
#include "polyconc/sync.hpp"

#endif  // POLYCONC_HPP

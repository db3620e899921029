import { render } from 'preact';
import '../src/ui/styles.css';
import '../src/reports/reports.css';
import './console.css';
import { ConsoleApp } from './ConsoleApp.tsx';

render(<ConsoleApp />, document.getElementById('app')!);
